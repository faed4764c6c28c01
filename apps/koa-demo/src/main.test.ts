import { fileURLToPath } from 'node:url'
import { describeDemoApp } from '@simplejwt/demo-support/testing'

describeDemoApp('koa-demo', fileURLToPath(new URL('..', import.meta.url)))
