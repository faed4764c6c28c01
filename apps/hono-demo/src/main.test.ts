import { fileURLToPath } from 'node:url'
import { describeDemoApp } from '@simplejwt/demo-support/testing'

describeDemoApp('hono-demo', fileURLToPath(new URL('..', import.meta.url)))
