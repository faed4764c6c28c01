// The `#crypto` module everywhere but Node (`default` in package.json `imports`): Web Crypto's
// HMAC, and jose's own base64url decoding. The other algorithms are left to jose (on Web Crypto).
import { base64url } from 'jose'
import type { CryptoRuntime, Sign, Verify } from './jws'

const encoder = new TextEncoder()

export const verifier: CryptoRuntime['verifier'] = (key, algorithm): Verify | undefined => {
  if (!algorithm.startsWith('HS')) return undefined
  return (input, signature) =>
    crypto.subtle.verify(
      'HMAC',
      key,
      signature as Uint8Array<ArrayBuffer>,
      encoder.encode(input) as Uint8Array<ArrayBuffer>,
    )
}

export const signer: CryptoRuntime['signer'] = (key, algorithm): Sign | undefined => {
  if (!algorithm.startsWith('HS')) return undefined
  return async (input) =>
    base64url.encode(
      new Uint8Array(
        await crypto.subtle.sign('HMAC', key, encoder.encode(input) as Uint8Array<ArrayBuffer>),
      ),
    )
}

export const decodeBase64url: CryptoRuntime['decodeBase64url'] = (text) => base64url.decode(text)

export const encodeBase64url: CryptoRuntime['encodeBase64url'] = (bytes) => base64url.encode(bytes)
