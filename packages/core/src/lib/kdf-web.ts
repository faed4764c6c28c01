// The `#kdf` module everywhere but Node (`default` in package.json `imports`): scrypt in
// JavaScript (@noble/hashes, which yields to the event loop as it goes) and Web Crypto's PBKDF2.
import { scryptAsync } from '@noble/hashes/scrypt.js'
import type { KdfRuntime } from '../passwords'

// JavaScript scrypt shares the one thread: hashes side by side finish no sooner than in turn,
// and each holds its 16 MiB meanwhile.
export const parallelism: KdfRuntime['parallelism'] = 1

export const scryptKey: KdfRuntime['scryptKey'] = (password, salt, options) =>
  scryptAsync(password, salt, options)

export const pbkdf2Sha256: KdfRuntime['pbkdf2Sha256'] = async (
  password,
  salt,
  iterations,
  dkLen,
) => {
  const key = await crypto.subtle.importKey(
    'raw',
    password as Uint8Array<ArrayBuffer>,
    'PBKDF2',
    false,
    ['deriveBits'],
  )
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    dkLen * 8,
  )
  return new Uint8Array(bits)
}
