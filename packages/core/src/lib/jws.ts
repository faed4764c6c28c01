import { type CompactJWSHeaderParameters, type CompactVerifyResult, errors } from 'jose'
import * as runtimeHmac from '#hmac'

/** The HMAC algorithms of {@link compactHmacVerifier}. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'

/** Whether `signature` is the MAC of the ASCII string `input`; compared in constant time. */
export type HmacVerify = (input: string, signature: Uint8Array) => boolean | Promise<boolean>

/** The MAC of the ASCII string `input`, base64url-encoded. */
export type HmacSign = (input: string) => string | Promise<string>

/** What each runtime's `#hmac` module provides (`hmac-node.ts`, `hmac-web.ts`). */
export interface HmacRuntime {
  /** The verifying function of `key`, prepared once. */
  hmacVerifier(key: CryptoKey, algorithm: HmacAlgorithm): HmacVerify
  /** The signing function of `key`, prepared once. */
  hmacSigner(key: CryptoKey, algorithm: HmacAlgorithm): HmacSign
  /** base64url as jose decodes it: what it refuses throws. */
  decodeBase64url(text: string): Uint8Array
  /** base64url without padding, as jose encodes it. */
  encodeBase64url(bytes: Uint8Array): string
}

type Verified = Pick<CompactVerifyResult, 'payload' | 'protectedHeader'>

/**
 * `compactVerify` for one HMAC algorithm and key, prepared once. Synchronous where the runtime's
 * HMAC is (Node), so a verification costs no extra turn of the event loop.
 */
export type CompactHmacVerify = (jws: string) => Verified | Promise<Verified>

const utf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * jose's `compactVerify(jws, key, { algorithms: [algorithm] })` for an HMAC key, with the MAC
 * computed by the runtime's own HMAC (node:crypto on Node). The header is read and checked as
 * jose reads it (a JSON object; `crit` naming only `b64`, present and boolean; `alg` a non-empty
 * string, then the one allowed), the signature is checked before the payload is decoded, and
 * failures throw jose's own error classes, so callers cannot tell the two apart. Unencoded
 * payloads (`b64: false`) are refused, as the token backend refuses them after jose.
 *
 * `hmac` is this runtime's `#hmac` module unless another is given (tests run both).
 */
export function compactHmacVerifier(
  key: CryptoKey,
  algorithm: HmacAlgorithm,
  hmac: HmacRuntime = runtimeHmac,
): CompactHmacVerify {
  const { decodeBase64url } = hmac
  const verifyMac = hmac.hmacVerifier(key, algorithm)
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
    const verified = verifyMac(jws.slice(0, second), signature)
    const payload = jws.slice(first + 1, second)
    if (typeof verified === 'boolean') return authentic(verified, payload, header, decodeBase64url)
    const protectedHeader = header
    return verified.then((ok) => authentic(ok, payload, protectedHeader, decodeBase64url))
  }
}

/** `new CompactSign(payload).setProtectedHeader(header).sign(key)`, prepared once. */
export type CompactHmacSign = (payload: Uint8Array) => string | Promise<string>

/**
 * jose's CompactSign for an HMAC key and a fixed protected header, with the MAC computed by the
 * runtime's own HMAC: the same bytes (the header as `JSON.stringify` writes it, each part in
 * unpadded base64url).
 */
export function compactHmacSigner(
  key: CryptoKey,
  algorithm: HmacAlgorithm,
  header: Readonly<Record<string, string>>,
  hmac: HmacRuntime = runtimeHmac,
): CompactHmacSign {
  const sign = hmac.hmacSigner(key, algorithm)
  const encodedHeader = hmac.encodeBase64url(encoder.encode(JSON.stringify(header)))
  return (payload) => {
    const input = `${encodedHeader}.${hmac.encodeBase64url(payload)}`
    const mac = sign(input)
    return typeof mac === 'string' ? `${input}.${mac}` : mac.then((text) => `${input}.${text}`)
  }
}

/** Signature first: the payload is decoded only once it is known to be authentic. */
function authentic(
  verified: boolean,
  payload: string,
  protectedHeader: CompactJWSHeaderParameters,
  decode: HmacRuntime['decodeBase64url'],
): Verified {
  if (!verified) throw new errors.JWSSignatureVerificationFailed()
  return { payload: segment(payload, 'payload', decode), protectedHeader }
}

/** The protected header, checked as jose checks it before it compares `alg`. */
function parseHeader(
  encoded: string,
  decode: HmacRuntime['decodeBase64url'],
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

function segment(text: string, label: string, decode: HmacRuntime['decodeBase64url']): Uint8Array {
  try {
    return decode(text)
  } catch (cause) {
    throw new errors.JWSInvalid(`Failed to base64url decode the ${label}`, { cause })
  }
}
