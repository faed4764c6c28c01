import { fileURLToPath } from 'node:url'
import { describeDemoApp } from '@simplejwt/demo-support/testing'

describeDemoApp('express-demo', fileURLToPath(new URL('..', import.meta.url)))
