export {
  type ConnectRedisOptions,
  connectRedisTokenStore,
  type EntryKind,
  FAIL_FAST,
  RedisTokenStore,
  type RedisTokenStoreOptions,
} from './store'
export { RedisThrottleStore, THROTTLE_HIT } from './throttle'
