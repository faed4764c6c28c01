export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './store'
export type { SqliteTokenStore } from './tokens'
export { type NewSqliteUser, type SqliteUser, type SqliteUserStore, UserExistsError } from './users'
