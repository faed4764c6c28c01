export { runTokenStoreSuite, type TokenStoreHarness } from './tokens'
export { runUserStoreSuite, SUITE_USERS, type SuiteUser, type UserStoreHarness } from './users'
