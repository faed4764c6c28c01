import { base64url, CompactSign, compactVerify, errors } from 'jose'
import { message, SimpleJWTError } from '../errors'
import type { ResolvedSettings } from '../settings'
import type { PreparedKeys } from './keys'

export type Payload = Record<string, unknown>

/**
 * Why the backend refused a token (simplejwt's `TokenBackendError`). Token classes replace it with
 * "Token is invalid or expired", so its text never reaches a client.
 */
export class TokenBackendError extends SimpleJWTError {
  override readonly code = 'token_backend_error'
}

const invalid = (cause?: unknown) =>
  new TokenBackendError(message('Token is invalid or expired'), { cause })

const utf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * Signs payloads and decodes tokens as simplejwt's `TokenBackend` (on PyJWT 2.6) does: signature
 * first, with the one configured algorithm; then PyJWT's claim checks (`iat`, `nbf`, `exp` with
 * leeway, `iss`, `aud`).
 */
export class TokenBackend {
  readonly #settings: ResolvedSettings
  readonly #keys: PreparedKeys
  readonly #now: () => number
  readonly #header: { alg: string; kid?: string; typ: 'JWT' }

  constructor(settings: ResolvedSettings, keys: PreparedKeys, now: () => number) {
    this.#settings = settings
    this.#keys = keys
    this.#now = now
    // PyJWT writes the header with sorted keys.
    this.#header =
      keys.kid === undefined
        ? { alg: settings.algorithm, typ: 'JWT' }
        : { alg: settings.algorithm, kid: keys.kid, typ: 'JWT' }
  }

  /** Signs `payload` (with `aud` and `iss` added when configured) into a compact JWS. */
  async encode(payload: Payload): Promise<string> {
    const { audienceClaim, issuer, jsonEncoder } = this.#settings
    if (this.#keys.sign === undefined) {
      throw new SimpleJWTError(message('No SIGNING_KEY is configured, so tokens cannot be signed'))
    }
    const claims: Payload = { ...payload }
    if (audienceClaim !== null) claims['aud'] = audienceClaim
    if (issuer !== null) claims['iss'] = issuer
    const json = asciiJson(claims, jsonEncoder)
    return new CompactSign(encoder.encode(json))
      .setProtectedHeader(this.#header)
      .sign(this.#keys.sign)
  }

  /**
   * The token's payload. With `verify`, the signature and then the registered claims are checked;
   * without it the payload is only decoded.
   */
  async decode(token: unknown, verify = true): Promise<Payload> {
    if (typeof token !== 'string' || token.length > this.#settings.maxTokenLength) throw invalid()
    // jose's base64url decoding skips whitespace, so `${token} ` would verify; PyJWT refuses it.
    if (/\s/.test(token)) throw invalid()
    let bytes: Uint8Array
    if (verify) {
      try {
        const result = await compactVerify(token, this.#keys.verify, {
          algorithms: [this.#settings.algorithm],
        })
        // PyJWT refuses unencoded payloads (`b64: false`), which jose ignores without `crit`.
        if (result.protectedHeader.b64 === false) throw invalid()
        bytes = result.payload
      } catch (cause) {
        if (cause instanceof errors.JOSEAlgNotAllowed) {
          throw new TokenBackendError(message('Invalid algorithm specified'), { cause })
        }
        throw invalid(cause)
      }
    } else {
      bytes = unverifiedPayload(token)
    }
    const payload = parseObject(bytes)
    if (verify) this.#checkClaims(payload)
    else this.#checkUnverifiedAudience(payload)
    return payload
  }

  #checkClaims(payload: Payload): void {
    const { leeway, issuer, audience } = this.#settings
    // PyJWT compares against whole seconds.
    const now = Math.floor(this.#now() / 1000)
    if ('iat' in payload && !(numeric(payload['iat']) <= now + leeway)) throw invalid()
    if ('nbf' in payload && !(Math.trunc(numeric(payload['nbf'])) <= now + leeway)) throw invalid()
    if ('exp' in payload && !(Math.trunc(numeric(payload['exp'])) > now - leeway)) throw invalid()
    if (issuer !== null && payload['iss'] !== issuer) throw invalid()
    if (audience !== null && !audienceMatches(payload['aud'], audience)) throw invalid()
  }

  /** simplejwt passes PyJWT `verify_aud` whenever AUDIENCE is set, so unverified decoding checks it too. */
  #checkUnverifiedAudience(payload: Payload): void {
    const { audience } = this.#settings
    if (audience !== null && !audienceMatches(payload['aud'], audience)) throw invalid()
  }
}

/** A claim that PyJWT reads with `int()`; anything else makes the comparison fail (NaN). */
function numeric(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN
}

function audienceMatches(claim: unknown, accepted: readonly string[]): boolean {
  const list = typeof claim === 'string' ? (claim === '' ? [] : [claim]) : claim
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string'))
    return false
  return accepted.some((a) => list.includes(a))
}

/** The payload, unverified. PyJWT still reads the header: a JSON object, without `b64: false`. */
function unverifiedPayload(token: string): Uint8Array {
  const [header, payload, ...rest] = token.split('.')
  if (header === undefined || payload === undefined || rest.length !== 1) throw invalid()
  if (parseObject(segment(header))['b64'] === false) throw invalid()
  return segment(payload)
}

function segment(text: string): Uint8Array {
  try {
    return base64url.decode(text)
  } catch (cause) {
    throw invalid(cause)
  }
}

function parseObject(bytes: Uint8Array): Payload {
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes))
  } catch (cause) {
    throw invalid(cause)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid()
  return value as Payload
}

/** JSON as Python's `json.dumps` writes it by default: compact, non-ASCII and DEL as `\uXXXX`. */
export function asciiJson(
  value: unknown,
  replacer: ((this: unknown, key: string, value: unknown) => unknown) | null = null,
): string {
  const json = JSON.stringify(value, replacer ?? undefined)
  return json.replace(
    // ensure_ascii escapes all but printable ASCII, so DEL (U+007F) too.
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
