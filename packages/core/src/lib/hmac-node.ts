// The `#hmac` module on Node (`node` in package.json `imports`): node:crypto's HMAC, which runs on
// the calling thread, where Web Crypto's HMAC is a job on the thread pool that costs more than the
// hash itself.
import { Buffer } from 'node:buffer'
import { createHmac, KeyObject, timingSafeEqual } from 'node:crypto'
import type { HmacAlgorithm, HmacRuntime, HmacSign, HmacVerify } from './jws'

export const hmacVerifier: HmacRuntime['hmacVerifier'] = (
  key: CryptoKey,
  algorithm: HmacAlgorithm,
): HmacVerify => {
  const secret = KeyObject.from(key)
  const hash = `sha${algorithm.slice(2)}`
  const size = Number(algorithm.slice(2)) / 8
  return (input, signature) => {
    // Web Crypto answers false for a signature of another length; timingSafeEqual would throw.
    if (signature.length !== size) return false
    return timingSafeEqual(createHmac(hash, secret).update(input, 'latin1').digest(), signature)
  }
}

export const hmacSigner: HmacRuntime['hmacSigner'] = (
  key: CryptoKey,
  algorithm: HmacAlgorithm,
): HmacSign => {
  const secret = KeyObject.from(key)
  const hash = `sha${algorithm.slice(2)}`
  return (input) => createHmac(hash, secret).update(input, 'latin1').digest('base64url')
}

export const encodeBase64url: HmacRuntime['encodeBase64url'] = (bytes) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')

// What jose's decoding accepts on Node (atob on the base64url alphabet): `=` padding only when it
// completes a multiple of four characters, no length of the form 4n + 1, no other characters.
// Unused trailing bits are ignored, as by atob and by Buffer.
const BASE64URL = /^[A-Za-z0-9_-]*$/

export const decodeBase64url: HmacRuntime['decodeBase64url'] = (text) => {
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
