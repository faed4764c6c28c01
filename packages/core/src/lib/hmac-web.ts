// The `#hmac` module everywhere but Node (`default` in package.json `imports`): Web Crypto, and
// jose's own base64url decoding.
import { base64url } from 'jose'
import type { HmacAlgorithm, HmacRuntime, HmacSign, HmacVerify } from './jws'

const encoder = new TextEncoder()

export const hmacVerifier: HmacRuntime['hmacVerifier'] = (
  key: CryptoKey,
  _algorithm: HmacAlgorithm,
): HmacVerify => {
  return (input, signature) =>
    crypto.subtle.verify(
      'HMAC',
      key,
      signature as Uint8Array<ArrayBuffer>,
      encoder.encode(input) as Uint8Array<ArrayBuffer>,
    )
}

export const hmacSigner: HmacRuntime['hmacSigner'] = (
  key: CryptoKey,
  _algorithm: HmacAlgorithm,
): HmacSign => {
  return async (input) =>
    base64url.encode(
      new Uint8Array(
        await crypto.subtle.sign('HMAC', key, encoder.encode(input) as Uint8Array<ArrayBuffer>),
      ),
    )
}

export const decodeBase64url: HmacRuntime['decodeBase64url'] = (text) => base64url.decode(text)

export const encodeBase64url: HmacRuntime['encodeBase64url'] = (bytes) => base64url.encode(bytes)
