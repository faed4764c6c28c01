// The floor: what node:crypto alone costs to sign and verify a simplejwt access token, with the
// checks no verifier can skip (the header's `alg`, the signature compared in constant time, the
// payload parsed, `exp`). Nothing here is usable as a JWT library: it trusts its input's shape.
import {
  constants,
  createHmac,
  createSecretKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import type { Keys } from './fixtures'

type Payload = Record<string, unknown>

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url')

export function floorSigner(keys: Keys): (payload: Payload) => string {
  const header = b64(JSON.stringify({ alg: keys.algorithm, typ: 'JWT' }))
  const mac = macOf(keys)
  return (payload) => {
    const input = `${header}.${b64(JSON.stringify(payload))}`
    return `${input}.${mac.sign(input).toString('base64url')}`
  }
}

export function floorVerifier(keys: Keys): (token: string) => Payload {
  const mac = macOf(keys)
  return (token) => {
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    const input = token.slice(0, second)
    if (!mac.verify(input, Buffer.from(token.slice(second + 1), 'base64url'))) {
      throw new Error('bad signature')
    }
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString())
    if (header.alg !== keys.algorithm) throw new Error('bad algorithm')
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString())
    if (!(payload.exp > Date.now() / 1000)) throw new Error('expired')
    return payload
  }
}

interface Mac {
  sign(input: string): Buffer
  verify(input: string, signature: Buffer): boolean
}

function macOf(keys: Keys): Mac {
  if (keys.algorithm === 'HS256') {
    const secret = createSecretKey(Buffer.from(keys.signing))
    const mac = (input: string) => createHmac('sha256', secret).update(input).digest()
    return {
      sign: mac,
      verify: (input, signature) => {
        const expected = mac(input)
        return signature.length === expected.length && timingSafeEqual(signature, expected)
      },
    }
  }
  const privateKey = keys.signingKey as KeyObject
  const publicKey = keys.verifyingKey as KeyObject
  const hash = keys.algorithm === 'EdDSA' ? null : `sha${keys.algorithm.slice(2)}`
  // JWS carries ECDSA signatures as r || s, not DER; PS* is RSA-PSS salted with the hash's length.
  const options = keys.algorithm.startsWith('PS')
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : { dsaEncoding: 'ieee-p1363' as const }
  const signing = { key: privateKey, ...options }
  const verifying = { key: publicKey, ...options }
  return {
    sign: (input) => sign(hash, Buffer.from(input), signing),
    verify: (input, signature) => verify(hash, Buffer.from(input), verifying, signature),
  }
}
