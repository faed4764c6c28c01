// The `#kdf` module on Node (`node` in package.json `imports`): node:crypto's scrypt and PBKDF2,
// which run on libuv's thread pool, so a flood of logins does not stall the event loop.
import { pbkdf2, scrypt } from 'node:crypto'
import type { KdfRuntime } from '../passwords'

// libuv sizes its pool from UV_THREADPOOL_SIZE (default 4, at most 1024) when the pool first
// starts; more hashes in flight than threads would only queue inside libuv, out of our sight.
const poolSize = Number(process.env['UV_THREADPOOL_SIZE'])
export const parallelism: KdfRuntime['parallelism'] =
  Number.isSafeInteger(poolSize) && poolSize > 0 ? Math.min(poolSize, 1024) : 4

export const scryptKey: KdfRuntime['scryptKey'] = (password, salt, { N, r, p, dkLen, maxmem }) =>
  new Promise((resolve, reject) => {
    scrypt(password, salt, dkLen, { N, r, p, maxmem }, (error, key) => {
      if (error) reject(error)
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))
    })
  })

export const pbkdf2Sha256: KdfRuntime['pbkdf2Sha256'] = (password, salt, iterations, dkLen) =>
  new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, dkLen, 'sha256', (error, key) => {
      if (error) reject(error)
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))
    })
  })
