import { InvalidTokenError } from './errors'

/** A token read without verification. */
export interface DecodedToken {
  /** The JOSE header (`alg`, `typ`, `kid`). */
  readonly header: Readonly<Record<string, unknown>>
  /** The claims (`token_type`, `exp`, `iat`, `jti`, `user_id`, ...). */
  readonly payload: Readonly<Record<string, unknown>>
  /** `exp` as a date, `null` without one. */
  readonly expiresAt: Date | null
  /** `iat` as a date, `null` without one. */
  readonly issuedAt: Date | null
  /** Whether `exp` is at or before `now` (false without `exp`). */
  readonly expired: boolean
}

export interface DecodeOptions {
  /** The time `expired` is judged at. Defaults to the local clock. */
  readonly now?: Date | number
}

const NUMERIC_CLAIMS = ['exp', 'iat', 'nbf'] as const

/**
 * Reads a JWT's header and payload without verifying its signature (what jwt.io shows): for
 * display and for timing a refresh, never for trusting a claim. Throws {@link InvalidTokenError}
 * when the token is not a JWT or a time claim is not a number.
 */
export function decodeToken(token: string, options: DecodeOptions = {}): DecodedToken {
  if (typeof token !== 'string') throw new InvalidTokenError('the token is not a string')
  const parts = token.split('.')
  if (parts.length !== 3) throw new InvalidTokenError('the token is not a JWT (three segments)')
  const header = segment(parts[0] ?? '', 'header')
  const payload = segment(parts[1] ?? '', 'payload')
  for (const claim of NUMERIC_CLAIMS) {
    const value = payload[claim]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new InvalidTokenError(`the token's "${claim}" claim is not a number`)
    }
  }
  const exp = payload['exp'] as number | undefined
  const iat = payload['iat'] as number | undefined
  const now = options.now === undefined ? Date.now() : Number(options.now)
  return {
    header,
    payload,
    expiresAt: exp === undefined ? null : new Date(exp * 1000),
    issuedAt: iat === undefined ? null : new Date(iat * 1000),
    expired: exp !== undefined && exp * 1000 <= now,
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

function segment(text: string, name: string): Record<string, unknown> {
  let value: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url')
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
    value = JSON.parse(UTF8.decode(bytes))
  } catch (cause) {
    throw new InvalidTokenError(`the token's ${name} is not base64url-encoded JSON`, { cause })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidTokenError(`the token's ${name} is not a JSON object`)
  }
  return value as Record<string, unknown>
}
