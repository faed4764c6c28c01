export { requireService } from './services'
export { runThrottleStoreSuite, type ThrottleStoreHarness } from './throttle'
export {
  runTokenStoreSuite,
  type TokenStoreContext,
  type TokenStoreHarness,
  type TokenStoreSuiteOptions,
} from './tokens'
export { runUserStoreSuite, SUITE_USERS, type SuiteUser, type UserStoreHarness } from './users'
