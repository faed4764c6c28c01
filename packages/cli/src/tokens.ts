/** decode, verify and sign: the token commands, on the core's own token classes and settings. */
import {
  ConfigurationError,
  createSimpleJWT,
  type DjangoSettings,
  localize,
  type SimpleJWT,
  SimpleJWTError,
  type Token,
} from '@simplejwt/core'
import { CommandFailure, type CommandIO, EXIT, pretty, UsageError } from './io'
import { chooseAlgorithm, keyKind, keySettings, readKey } from './keys'

/** The three parts of a compact token, decoded without any check. */
export interface TokenParts {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

const SEGMENT = /^[A-Za-z0-9_-]*$/

/** The header and payload of `token`, read as jwt.io reads them: nothing verified. */
export function readParts(token: string): TokenParts {
  const segments = token.split('.')
  if (segments.length !== 3) {
    throw new CommandFailure(
      'Not a JSON Web Token: it must be three base64url parts separated by dots',
      'token_not_valid',
    )
  }
  const part = (index: number, name: string): Record<string, unknown> => {
    const segment = segments[index] as string
    let value: unknown
    try {
      if (!SEGMENT.test(segment)) throw new Error('not base64url')
      value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    } catch {
      throw new CommandFailure(
        `Not a JSON Web Token: its ${name} is not base64url JSON`,
        'token_not_valid',
      )
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CommandFailure(
        `Not a JSON Web Token: its ${name} is not a JSON object`,
        'token_not_valid',
      )
    }
    return value as Record<string, unknown>
  }
  return { header: part(0, 'header'), payload: part(1, 'payload') }
}

/** The options of every command that verifies: where the key comes from, and the claims checked. */
export const VERIFY_OPTIONS = {
  key: { type: 'string' },
  alg: { type: 'string' },
  'jwks-url': { type: 'string' },
  type: { type: 'string' },
  audience: { type: 'string', multiple: true },
  issuer: { type: 'string' },
  leeway: { type: 'string' },
} as const

export interface VerifyValues {
  readonly key?: string | undefined
  readonly alg?: string | undefined
  readonly 'jwks-url'?: string | undefined
  readonly type?: string | undefined
  readonly audience?: string[] | undefined
  readonly issuer?: string | undefined
  readonly leeway?: string | undefined
}

/** Settings for the claims every command can check or write: AUDIENCE, ISSUER, LEEWAY. */
export function claimSettings(values: VerifyValues): DjangoSettings {
  const settings: DjangoSettings = {}
  if (values.audience !== undefined) {
    settings.AUDIENCE =
      values.audience.length === 1 ? (values.audience[0] as string) : values.audience
  }
  if (values.issuer !== undefined) settings.ISSUER = values.issuer
  if (values.leeway !== undefined) {
    settings.LEEWAY = /^\d+$/.test(values.leeway) ? Number(values.leeway) : values.leeway
  }
  return settings
}

/** The library configured from the command line; a setting or key it refuses is a usage error. */
export async function simpleJWT(
  settings: DjangoSettings,
  io: CommandIO,
  options: Omit<Parameters<typeof createSimpleJWT>[0] & object, 'settings' | 'clock'> = {},
): Promise<SimpleJWT> {
  try {
    return await createSimpleJWT({
      ...options,
      settings,
      ...(io.now === undefined ? {} : { clock: io.now }),
    })
  } catch (error) {
    // The core's configuration messages name settings, lengths and kinds, never a key's bytes.
    if (error instanceof ConfigurationError) throw new UsageError(error.message)
    throw error
  }
}

/** The library set up to verify tokens with `--key` or `--jwks-url`. */
export async function verifier(
  values: VerifyValues,
  header: Record<string, unknown>,
  io: CommandIO,
  options: Omit<Parameters<typeof createSimpleJWT>[0] & object, 'settings' | 'clock'> = {},
): Promise<SimpleJWT> {
  const claims = claimSettings(values)
  const jwksUrl = values['jwks-url']
  if (values.key !== undefined) {
    if (jwksUrl !== undefined) throw new UsageError('give --key or --jwks-url, not both')
    const key = await readKey(values.key)
    const kind = keyKind(key)
    const ALGORITHM = chooseAlgorithm(key, kind, values.alg, header['alg'])
    return simpleJWT(
      { ...claims, ALGORITHM, ...keySettings(key, kind, 'verify', ALGORITHM) } as DjangoSettings,
      io,
      options,
    )
  }
  if (jwksUrl === undefined) throw new UsageError('missing --key (or --jwks-url)')
  // The JWK set holds public keys: the algorithm is asymmetric, the token's own when not given.
  const alg = values.alg ?? header['alg']
  if (typeof alg !== 'string' || alg.startsWith('HS') || alg === 'none') {
    throw new UsageError(
      '--jwks-url verifies asymmetric algorithms only: give --alg (RS256, ES256, ...)',
    )
  }
  return simpleJWT({ ...claims, ALGORITHM: alg, JWK_URL: jwksUrl } as DjangoSettings, io, options)
}

const TOKEN_TYPES = ['untyped', 'access', 'refresh', 'sliding'] as const

/** The bound token class named by `--type` (`untyped`: signature and claims only, as /verify/). */
export function tokenClass(
  sjwt: SimpleJWT,
  type: string,
  allowed: readonly string[] = TOKEN_TYPES,
) {
  if (!allowed.includes(type)) {
    throw new UsageError(`--type must be ${allowed.join(', ')}; got '${type}'`)
  }
  return {
    untyped: sjwt.UntypedToken,
    access: sjwt.AccessToken,
    refresh: sjwt.RefreshToken,
    sliding: sjwt.SlidingToken,
  }[type as (typeof TOKEN_TYPES)[number]]
}

/**
 * Decodes and verifies `token` with the token class, as simplejwt's `Token(token)` does; a token
 * it refuses is a {@link CommandFailure} carrying simplejwt's English message and code.
 */
export async function verifyToken(
  cls: ReturnType<typeof tokenClass>,
  token: string,
): Promise<Token> {
  try {
    return await cls.decode(token)
  } catch (error) {
    if (error instanceof SimpleJWTError && !(error instanceof ConfigurationError)) {
      throw new CommandFailure(localize(error.detail, 'en'), error.code)
    }
    throw error
  }
}

/** `exp`, `iat` and `nbf` as ISO dates, for the claims that are numbers. */
function times(payload: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const claim of ['exp', 'iat', 'nbf']) {
    const value = payload[claim]
    if (typeof value === 'number' && Number.isFinite(value)) {
      const date = new Date(value * 1000)
      if (!Number.isNaN(date.getTime())) result[claim] = date.toISOString()
    }
  }
  return result
}

/** Whether `exp` has passed (simplejwt: expired when `exp <= now`); null without a numeric `exp`. */
function expired(payload: Record<string, unknown>, now: number): boolean | null {
  const exp = payload['exp']
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 <= now : null
}

/** "in 4m 59s" or "3m 2s ago". */
function relative(seconds: number): string {
  const abs = Math.abs(Math.round(seconds))
  const parts: string[] = []
  const d = Math.floor(abs / 86400)
  const h = Math.floor((abs % 86400) / 3600)
  const m = Math.floor((abs % 3600) / 60)
  const s = abs % 60
  if (d > 0) parts.push(`${d}d`)
  if (h > 0) parts.push(`${h}h`)
  if (m > 0) parts.push(`${m}m`)
  if (s > 0 || parts.length === 0) parts.push(`${s}s`)
  const text = parts.slice(0, 2).join(' ')
  return seconds >= 0 ? `in ${text}` : `${text} ago`
}

/** The report of `decode` and `verify`: what the token says, and whether it was verified. */
export function describeToken(
  parts: TokenParts,
  now: number,
  verified: boolean,
  failure?: CommandFailure,
) {
  const tokenType = parts.payload['token_type']
  return {
    header: parts.header,
    payload: parts.payload,
    verified,
    expired: expired(parts.payload, now),
    times: times(parts.payload),
    token_type: typeof tokenType === 'string' ? tokenType : null,
    ...(failure === undefined ? {} : { error: { detail: failure.message, code: failure.code } }),
  }
}

/** The same report as text: header and payload pretty-printed, then times and verdicts. */
export function printToken(report: ReturnType<typeof describeToken>, now: number, io: CommandIO) {
  const lines = ['Header:', pretty(report.header), '', 'Payload:', pretty(report.payload), '']
  for (const [claim, iso] of Object.entries(report.times)) {
    const seconds = ((report.payload[claim] as number) * 1000 - now) / 1000
    lines.push(`${claim.padEnd(4)}${iso}  (${relative(seconds)})`)
  }
  if (report.token_type !== null) lines.push(`Type: ${report.token_type}`)
  lines.push(
    report.expired === null ? 'Expired: no exp claim' : `Expired: ${report.expired ? 'yes' : 'no'}`,
  )
  if (report.error !== undefined) {
    lines.push(`Signature and claims: INVALID: ${report.error.detail}`)
  } else if (report.verified) {
    lines.push('Signature and claims: verified')
  } else {
    lines.push('Signature: NOT verified (give --key or --jwks-url to verify it)')
  }
  io.out(lines.join('\n'))
}

/** A boolean exit for the report: 1 when verification was asked for and failed. */
export function reportExit(report: ReturnType<typeof describeToken>): number {
  return report.error === undefined ? EXIT.ok : EXIT.failed
}
