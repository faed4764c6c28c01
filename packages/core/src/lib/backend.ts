import { base64url, CompactSign, compactVerify, errors } from 'jose'
import { message, SimpleJWTError } from '../errors'
import type { ResolvedSettings } from '../settings'
import {
  type CompactSign as CompactSigner,
  type CompactVerify,
  compactSigner,
  compactVerifier,
} from './jws'
import { isCryptoKey, type PreparedKeys } from './keys'
import { VerifiedTokenCache } from './token-cache'

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
  // Through the runtime's own crypto (`jws.ts`: node:crypto on Node, every algorithm; Web Crypto's
  // HMAC elsewhere); jose for the rest (other algorithms elsewhere, keys jose refuses, JWK_URL).
  readonly #verify: CompactVerify | undefined
  readonly #sign: CompactSigner | undefined
  readonly #cache: VerifiedTokenCache | undefined

  constructor(settings: ResolvedSettings, keys: PreparedKeys, now: () => number) {
    this.#settings = settings
    this.#keys = keys
    this.#now = now
    // PyJWT writes the header with sorted keys.
    this.#header =
      keys.kid === undefined
        ? { alg: settings.algorithm, typ: 'JWT' }
        : { alg: settings.algorithm, kid: keys.kid, typ: 'JWT' }
    // A key jose would refuse (such as one without the `verify` or `sign` usage) stays with jose,
    // which refuses it.
    const { algorithm } = settings
    this.#verify = isCryptoKey(keys.verify) ? compactVerifier(keys.verify, algorithm) : undefined
    this.#sign =
      keys.sign === undefined ? undefined : compactSigner(keys.sign, algorithm, this.#header)
    this.#cache =
      settings.verifiedTokenCache === null
        ? undefined
        : new VerifiedTokenCache(settings.verifiedTokenCache)
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
    if (this.#sign !== undefined) return this.#sign(encoder.encode(json))
    return new CompactSign(encoder.encode(json))
      .setProtectedHeader(this.#header)
      .sign(this.#keys.sign)
  }

  /**
   * The token's payload. With `verify`, the signature and then the registered claims are checked;
   * without it the payload is only decoded.
   */
  async decode(token: unknown, verify = true): Promise<Payload> {
    return this.decodeNow(token, verify)
  }

  /**
   * `decode`, answering at once when nothing has to be waited for (node:crypto on Node, cache hits).
   * `now` (ms since the epoch, read from the clock when not given) is the time the claims are
   * checked against when the answer is at once; one that waits reads the clock again.
   */
  decodeNow(token: unknown, verify = true, now = this.#now()): Payload | Promise<Payload> {
    if (typeof token !== 'string') throw invalid()
    // A token verified before (so one that passed every check below) has only its claims checked
    // again, against the clock of now.
    const seconds = Math.floor(now / 1000)
    const cached = verify ? this.#cache?.get(token, seconds - this.#settings.leeway) : undefined
    if (cached !== undefined) {
      this.#checkClaims(cached, seconds)
      return cached
    }
    if (token.length > this.#settings.maxTokenLength) throw invalid()
    // jose's base64url decoding skips whitespace, so `${token} ` would verify; PyJWT refuses it.
    if (/\s/.test(token)) throw invalid()
    if (!verify) return this.#payload(token, unverifiedPayload(token), false, seconds)
    let verified: ReturnType<CompactVerify>
    try {
      verified =
        this.#verify === undefined
          ? compactVerify(token, this.#keys.verify, { algorithms: [this.#settings.algorithm] })
          : this.#verify(token)
    } catch (cause) {
      throw refusal(cause)
    }
    if (!(verified instanceof Promise)) return this.#verifiedPayload(token, verified, seconds)
    return verified.then(
      (result) => this.#verifiedPayload(token, result, Math.floor(this.#now() / 1000)),
      (cause: unknown) => {
        throw refusal(cause)
      },
    )
  }

  #verifiedPayload(
    token: string,
    result: Awaited<ReturnType<CompactVerify>>,
    seconds: number,
  ): Payload {
    // PyJWT refuses unencoded payloads (`b64: false`), which jose ignores without `crit`.
    if (result.protectedHeader.b64 === false) throw invalid()
    return this.#payload(token, result.payload, true, seconds)
  }

  /** `seconds`: now, in whole seconds since the epoch. */
  #payload(token: string, bytes: Uint8Array, verify: boolean, seconds: number): Payload {
    const json = text(bytes)
    const payload = parseJson(json)
    if (verify) {
      this.#checkClaims(payload, seconds)
      this.#cache?.set(token, json, payload)
    } else this.#checkUnverifiedAudience(payload)
    return payload
  }

  /** PyJWT's checks of the registered claims, against `now` in whole seconds (as PyJWT compares). */
  #checkClaims(payload: Payload, now: number): void {
    const { leeway, issuer, audience } = this.#settings
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

/** A failure of jose or of the runtime's own path, as the backend reports it. */
function refusal(cause: unknown): TokenBackendError {
  if (cause instanceof errors.JOSEAlgNotAllowed) {
    return new TokenBackendError(message('Invalid algorithm specified'), { cause })
  }
  return cause instanceof TokenBackendError ? cause : invalid(cause)
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
  return parseJson(text(bytes))
}

function text(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch (cause) {
    throw invalid(cause)
  }
}

function parseJson(json: string): Payload {
  let value: unknown
  try {
    value = JSON.parse(json)
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
