export {
  type AccountRequest,
  changePassword,
  logoutEverywhere,
  WRONG_OLD_PASSWORD,
} from './account'
export {
  type DatabaseConfig,
  DEVELOPMENT_SECRET_KEY,
  type DemoConfig,
  DemoConfigError,
  HOST,
  type RedisConfig,
  readConfig,
  redactUrl,
} from './config'
export { type Demo, SERVER_TIMEOUTS, startDemo } from './demo'
export { header, type RawBody, readBody, respond } from './http'
export { type RegisterRequest, register } from './register'
export {
  type DemoStore,
  type DemoTokenStore,
  type DemoUser,
  type DemoUserStore,
  isUserExists,
  type NewDemoUser,
  openDemoStore,
  SEED_USERS,
  type StoreLog,
} from './store'
export { storeCall } from './store-call'
export { statelessView, userView, type ViewRequest } from './views'
