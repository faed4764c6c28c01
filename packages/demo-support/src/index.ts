export {
  DEVELOPMENT_SECRET_KEY,
  type DemoConfig,
  DemoConfigError,
  HOST,
  readConfig,
} from './config'
export { type Demo, type DemoUser, startDemo } from './demo'
export { header, type RawBody, readBody, respond } from './http'
export { type RegisterRequest, register } from './register'
export { type DemoStore, openDemoStore, SEED_USERS } from './store'
export { statelessView, userView, type ViewRequest } from './views'
