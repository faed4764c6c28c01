import { type CompactJWSHeaderParameters, type CompactVerifyResult, errors } from 'jose'
import * as runtimeCrypto from '#crypto'
import type { Algorithm } from './keys'

/**
 * Whether `signature` is `algorithm`'s signature (for HMAC, the MAC, compared in constant time) of
 * the ASCII string `input`. Malformed signatures are `false`, as Web Crypto answers for them.
 */
export type Verify = (input: string, signature: Uint8Array) => boolean | Promise<boolean>

/** The signature (for HMAC, the MAC) of the ASCII string `input`, base64url-encoded. */
export type Sign = (input: string) => string | Promise<string>

/** What each runtime's `#crypto` module provides (`crypto-node.ts`, `crypto-web.ts`). */
export interface CryptoRuntime {
  /**
   * The verifying function of `key` for `algorithm`, prepared once; `undefined` for the
   * algorithms this runtime leaves to jose. `key` is one jose would verify with (`joseAccepts`).
   */
  verifier(key: CryptoKey, algorithm: Algorithm): Verify | undefined
  /** The signing function of `key` for `algorithm`, prepared once; `undefined` as for `verifier`. */
  signer(key: CryptoKey, algorithm: Algorithm): Sign | undefined
  /** base64url as jose decodes it: what it refuses throws. */
  decodeBase64url(text: string): Uint8Array
  /** base64url without padding, as jose encodes it. */
  encodeBase64url(bytes: Uint8Array): string
}

type Verified = Pick<CompactVerifyResult, 'payload' | 'protectedHeader'>

/**
 * `compactVerify` for one algorithm and key, prepared once. Synchronous where the runtime's
 * crypto is (node:crypto), so a verification costs no extra turn of the event loop.
 */
export type CompactVerify = (jws: string) => Verified | Promise<Verified>

/** `new CompactSign(payload).setProtectedHeader(header).sign(key)`, prepared once. */
export type CompactSign = (payload: Uint8Array) => string | Promise<string>

const utf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/** The Web Crypto key jose requires for each algorithm (its `jws_algorithms` table). */
const JOSE_KEYS: Readonly<
  Record<Algorithm, { name: string; hash?: string; namedCurve?: string; rsa?: true }>
> = {
  HS256: { name: 'HMAC', hash: 'SHA-256' },
  HS384: { name: 'HMAC', hash: 'SHA-384' },
  HS512: { name: 'HMAC', hash: 'SHA-512' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', rsa: true },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384', rsa: true },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512', rsa: true },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256', rsa: true },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384', rsa: true },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512', rsa: true },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  EdDSA: { name: 'Ed25519' },
}

/**
 * Whether jose would sign or verify with `key` for `algorithm` (its `prepareKey`, `checkCryptoKey`
 * and `checkModulusLength`). Any other key stays with jose, which refuses it with its own errors.
 */
export function joseAccepts(
  key: CryptoKey,
  algorithm: Algorithm,
  usage: 'sign' | 'verify',
): boolean {
  const expected = JOSE_KEYS[algorithm]
  const actual = key.algorithm as {
    name: string
    hash?: { name: string }
    namedCurve?: string
    modulusLength?: number
  }
  const type = expected.name === 'HMAC' ? 'secret' : usage === 'sign' ? 'private' : 'public'
  return (
    key.type === type &&
    actual.name === expected.name &&
    (expected.hash === undefined || actual.hash?.name === expected.hash) &&
    (expected.namedCurve === undefined || actual.namedCurve === expected.namedCurve) &&
    key.usages.includes(usage) &&
    (expected.rsa === undefined ||
      (typeof actual.modulusLength === 'number' && actual.modulusLength >= 2048))
  )
}

/**
 * jose's `compactVerify(jws, key, { algorithms: [algorithm] })`, with the signature checked by the
 * runtime's own crypto (node:crypto on Node), or `undefined` where jose must verify (a key jose
 * would refuse, an algorithm the runtime leaves to jose). The header is read and checked as jose
 * reads it (a JSON object; `crit` naming only `b64`, present and boolean; `alg` a non-empty
 * string, then the one allowed), the signature is checked before the payload is decoded, and
 * failures throw jose's own error classes, so callers cannot tell the two apart. Unencoded
 * payloads (`b64: false`) are refused, as the token backend refuses them after jose.
 *
 * `runtime` is this runtime's `#crypto` module unless another is given (tests run both).
 */
export function compactVerifier(
  key: CryptoKey,
  algorithm: Algorithm,
  runtime: CryptoRuntime = runtimeCrypto,
): CompactVerify | undefined {
  if (!joseAccepts(key, algorithm, 'verify')) return undefined
  const verifySignature = runtime.verifier(key, algorithm)
  if (verifySignature === undefined) return undefined
  const { decodeBase64url } = runtime
  // Tokens of one configuration share their header: the last one accepted is not parsed again.
  let acceptedText = ''
  let accepted: CompactJWSHeaderParameters | undefined
  return (jws) => {
    const first = jws.indexOf('.')
    const second = jws.indexOf('.', first + 1)
    if (first === -1 || second === -1 || jws.indexOf('.', second + 1) !== -1) {
      throw new errors.JWSInvalid('Invalid Compact JWS')
    }
    const encodedHeader = jws.slice(0, first)
    let header = encodedHeader === acceptedText ? accepted : undefined
    if (header === undefined) {
      const parsed = parseHeader(encodedHeader, decodeBase64url)
      if (parsed.alg !== algorithm) {
        throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed')
      }
      if (parsed.b64 === false) throw new errors.JWSInvalid('Unencoded payloads are not accepted')
      header = Object.freeze(parsed)
      accepted = header
      acceptedText = encodedHeader
    }
    const signature = segment(jws.slice(second + 1), 'signature', decodeBase64url)
    const verified = verifySignature(jws.slice(0, second), signature)
    const payload = jws.slice(first + 1, second)
    if (typeof verified === 'boolean') return authentic(verified, payload, header, decodeBase64url)
    const protectedHeader = header
    return verified.then((ok) => authentic(ok, payload, protectedHeader, decodeBase64url))
  }
}

/**
 * jose's CompactSign for a fixed protected header, with the signature made by the runtime's own
 * crypto: the same bytes (the header as `JSON.stringify` writes it, each part in unpadded
 * base64url; ECDSA as R || S). `undefined` where jose must sign, as for `compactVerifier`.
 */
export function compactSigner(
  key: CryptoKey,
  algorithm: Algorithm,
  header: Readonly<Record<string, string>>,
  runtime: CryptoRuntime = runtimeCrypto,
): CompactSign | undefined {
  if (!joseAccepts(key, algorithm, 'sign')) return undefined
  const sign = runtime.signer(key, algorithm)
  if (sign === undefined) return undefined
  const { encodeBase64url } = runtime
  const encodedHeader = encodeBase64url(encoder.encode(JSON.stringify(header)))
  return (payload) => {
    const input = `${encodedHeader}.${encodeBase64url(payload)}`
    const signature = sign(input)
    return typeof signature === 'string'
      ? `${input}.${signature}`
      : signature.then((text) => `${input}.${text}`)
  }
}

/** Signature first: the payload is decoded only once it is known to be authentic. */
function authentic(
  verified: boolean,
  payload: string,
  protectedHeader: CompactJWSHeaderParameters,
  decode: CryptoRuntime['decodeBase64url'],
): Verified {
  if (!verified) throw new errors.JWSSignatureVerificationFailed()
  return { payload: segment(payload, 'payload', decode), protectedHeader }
}

/** The protected header, checked as jose checks it before it compares `alg`. */
function parseHeader(
  encoded: string,
  decode: CryptoRuntime['decodeBase64url'],
): CompactJWSHeaderParameters {
  let header: unknown
  try {
    header = JSON.parse(utf8.decode(decode(encoded)))
  } catch (cause) {
    throw new errors.JWSInvalid('JWS Protected Header is invalid', { cause })
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new errors.JWSInvalid('JWS Protected Header is invalid')
  }
  const fields = header as Record<string, unknown>
  const { crit, alg } = fields
  if (crit !== undefined) {
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((name) => typeof name !== 'string' || name.length === 0)
    ) {
      throw new errors.JWSInvalid('"crit" (Critical) Header Parameter is invalid')
    }
    // b64 is the one extension jose recognises; each one listed must be present.
    for (const name of crit) {
      if (name !== 'b64')
        throw new errors.JOSENotSupported('Extension Header Parameter not recognized')
      if (!Object.hasOwn(fields, 'b64'))
        throw new errors.JWSInvalid('Extension Header Parameter missing')
    }
    if (typeof fields['b64'] !== 'boolean') {
      throw new errors.JWSInvalid('The "b64" Header Parameter must be a boolean')
    }
  }
  if (typeof alg !== 'string' || alg === '') {
    throw new errors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid')
  }
  return header as CompactJWSHeaderParameters
}

function segment(
  text: string,
  label: string,
  decode: CryptoRuntime['decodeBase64url'],
): Uint8Array {
  try {
    return decode(text)
  } catch (cause) {
    throw new errors.JWSInvalid(`Failed to base64url decode the ${label}`, { cause })
  }
}
