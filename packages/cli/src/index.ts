export { runCommand } from './command'
export { type CommandIO, EXIT } from './io'
export { type GeneratedKey, generateKey, KEYGEN_ALGORITHMS, type KeygenOptions } from './keygen'
