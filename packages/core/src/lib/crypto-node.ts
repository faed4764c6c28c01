// The `#crypto` module on Node (`node` in package.json `imports`): node:crypto, which signs and
// verifies on the calling thread, where each Web Crypto operation is a job on the thread pool that
// answers a turn of the event loop later and, for HMAC, costs more than the hash itself. Each key
// becomes a `KeyObject` once, when a token backend is prepared.
import { Buffer } from 'node:buffer'
import {
  constants,
  createHmac,
  KeyObject,
  type SignKeyObjectInput,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import type { CryptoRuntime, Sign, Verify } from './jws'
import type { Algorithm } from './keys'

/** node:crypto's digest (none for Ed25519) and the key options of `algorithm`, as Web Crypto's. */
function parameters(key: KeyObject, algorithm: Algorithm) {
  const hash = algorithm === 'EdDSA' ? null : `sha${algorithm.slice(2)}`
  const options: SignKeyObjectInput = algorithm.startsWith('PS')
    ? // RSA-PSS salted with the digest's length, as JWS requires and Web Crypto checks.
      {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }
    : algorithm.startsWith('ES')
      ? // JWS carries ECDSA signatures as R || S (IEEE P1363), as Web Crypto does, not DER.
        { key, dsaEncoding: 'ieee-p1363' }
      : { key }
  return { hash, options }
}

/** `key` as node:crypto takes it; none for a key Node did not make (jose is left with it). */
function keyObjectOf(key: CryptoKey): KeyObject | undefined {
  try {
    return KeyObject.from(key)
  } catch {
    return undefined
  }
}

export const verifier: CryptoRuntime['verifier'] = (key, algorithm): Verify | undefined => {
  const keyObject = keyObjectOf(key)
  if (keyObject === undefined) return undefined
  if (algorithm.startsWith('HS')) {
    const hash = `sha${algorithm.slice(2)}`
    const size = Number(algorithm.slice(2)) / 8
    return (input, signature) => {
      // Web Crypto answers false for a MAC of another length; timingSafeEqual would throw.
      if (signature.length !== size) return false
      return timingSafeEqual(
        createHmac(hash, keyObject).update(input, 'latin1').digest(),
        signature,
      )
    }
  }
  const { hash, options } = parameters(keyObject, algorithm)
  return (input, signature) => {
    // Signatures of the wrong length or shape are false, as Web Crypto (and so jose) answers.
    try {
      return verify(hash, Buffer.from(input, 'latin1'), options, signature)
    } catch {
      return false
    }
  }
}

export const signer: CryptoRuntime['signer'] = (key, algorithm): Sign | undefined => {
  const keyObject = keyObjectOf(key)
  if (keyObject === undefined) return undefined
  if (algorithm.startsWith('HS')) {
    const hash = `sha${algorithm.slice(2)}`
    return (input) => createHmac(hash, keyObject).update(input, 'latin1').digest('base64url')
  }
  const { hash, options } = parameters(keyObject, algorithm)
  return (input) => sign(hash, Buffer.from(input, 'latin1'), options).toString('base64url')
}

export const encodeBase64url: CryptoRuntime['encodeBase64url'] = (bytes) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')

// What jose's decoding accepts on Node (atob on the base64url alphabet): `=` padding only when it
// completes a multiple of four characters, no length of the form 4n + 1, no other characters.
// Unused trailing bits are ignored, as by atob and by Buffer.
const BASE64URL = /^[A-Za-z0-9_-]*$/

export const decodeBase64url: CryptoRuntime['decodeBase64url'] = (text) => {
  let data = text
  if (data.length % 4 === 0) {
    if (data.endsWith('==')) data = data.slice(0, -2)
    else if (data.endsWith('=')) data = data.slice(0, -1)
  }
  if (data.length % 4 === 1 || !BASE64URL.test(data)) {
    throw new TypeError('The input to be decoded is not correctly encoded.')
  }
  return Buffer.from(data, 'base64url')
}
