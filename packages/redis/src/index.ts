export {
  type ConnectRedisOptions,
  connectRedisTokenStore,
  type EntryKind,
  FAIL_FAST,
  RedisTokenStore,
  type RedisTokenStoreOptions,
} from './store'
