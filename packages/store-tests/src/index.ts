export { requireService } from './services'
export {
  runTokenStoreSuite,
  type TokenStoreContext,
  type TokenStoreHarness,
  type TokenStoreSuiteOptions,
} from './tokens'
export { runUserStoreSuite, SUITE_USERS, type SuiteUser, type UserStoreHarness } from './users'
