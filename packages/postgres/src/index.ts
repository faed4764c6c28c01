export { SCHEMA_VERSION } from './schema'
export {
  FAIL_FAST,
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from './store'
export type { PostgresThrottleStore } from './throttle'
export type { PostgresTokenStore } from './tokens'
export {
  type NewPostgresUser,
  type PostgresUser,
  type PostgresUserStore,
  UserExistsError,
} from './users'
