export { Client, claims, field, type Reply, sendRepeated } from './client'
export {
  type ContractOptions,
  contractSimpleJWT,
  NOW,
  NOW_SECONDS,
  SECRET_KEY,
  USERS,
} from './contract'
export { type RunningServer, serveNode } from './serve'
export { runAdapterSuite, type StartServer } from './suite'
