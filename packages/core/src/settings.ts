import { ConfigurationError } from './errors'
import { type Duration, describe, toSeconds } from './lib/duration'
import { ALGORITHMS, type Algorithm, type KeyInput } from './lib/keys'
import { resolveTokenCache, type VerifiedTokenCacheLimits } from './lib/token-cache'
import type { SerializerClass } from './serializers'
import type { AuthUser } from './stores'
import { resolveThrottleSettings, type ThrottleRates } from './throttling'
import type { TokenClass, TokenUserClass } from './tokens'

/**
 * simplejwt's settings, in camelCase. Every field is optional; the defaults are simplejwt 5.2.2's.
 * The same keys are accepted in simplejwt's own UPPER_SNAKE spelling (`ACCESS_TOKEN_LIFETIME`), so a
 * Django `SIMPLE_JWT` dict can be pasted as it is (lifetimes in seconds).
 */
export interface Settings {
  /** How long an access token is valid. Default 5 minutes. */
  accessTokenLifetime?: Duration
  /** How long a refresh token is valid. Default 1 day. */
  refreshTokenLifetime?: Duration
  /** The refresh endpoint also returns a new refresh token (and a new `jti`). Default false. */
  rotateRefreshTokens?: boolean
  /** With rotation, the refresh token that was used is blacklisted. Needs a TokenStore. Default false. */
  blacklistAfterRotation?: boolean
  /** The obtain endpoints record the login time through `UserStore.updateLastLogin`. Default false. */
  updateLastLogin?: boolean
  /** The one signing algorithm: HS256/384/512, RS256/384/512, ES256/384/512, PS256/384/512, EdDSA. Default HS256. */
  algorithm?: Algorithm
  /** HMAC secret (string or bytes), or the private key (PEM or JWK) for asymmetric algorithms. Django's SECRET_KEY in simplejwt. */
  signingKey?: KeyInput
  /** The public key (PEM or JWK) for asymmetric algorithms; unused for HMAC. Default none. */
  verifyingKey?: KeyInput
  /** Written as `aud` and required on decoding when set (a string or a list of accepted audiences). Default none. */
  audience?: string | readonly string[] | null
  /** Written as `iss` and required on decoding when set. Default none. */
  issuer?: string | null
  /** A `JSON.stringify` replacer for claim values JSON has no form for. Default none. */
  jsonEncoder?: ((this: unknown, key: string, value: unknown) => unknown) | null
  /** A JWK set URL to take verifying keys from (by `kid`) for asymmetric algorithms. Default none. */
  jwkUrl?: string | null
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 0. */
  leeway?: Duration
  /** Accepted words before the token in the header, e.g. `['Bearer', 'JWT']`. Default `['Bearer']`. */
  authHeaderTypes?: string | readonly string[]
  /** The header holding the token: Django's META name (`HTTP_AUTHORIZATION`) or a header name. Default `HTTP_AUTHORIZATION`. */
  authHeaderName?: string
  /** The user's property written into tokens and used for lookup. Default `id`. */
  userIdField?: string
  /** The claim holding the user's id. Default `user_id`. */
  userIdClaim?: string
  /** Decides whether a user may log in. Default: the user exists and `isActive` is not false. */
  userAuthenticationRule?: ((user: AuthUser | null) => boolean) | string
  /** Token classes accepted by authentication, tried in order. Default `[AccessToken]`. */
  authTokenClasses?: readonly (TokenClass | string)[]
  /** The claim holding the token's type. Default `token_type`. */
  tokenTypeClaim?: string
  /** The stateless user built from a token. Default `TokenUser`. */
  tokenUserClass?: TokenUserClass | string
  /** The claim holding the token's unique id. Default `jti`. */
  jtiClaim?: string
  /** The claim holding a sliding token's refresh deadline. Default `refresh_exp`. */
  slidingTokenRefreshExpClaim?: string
  /** How long a sliding token is valid for authentication. Default 5 minutes. */
  slidingTokenLifetime?: Duration
  /** How long a sliding token can be refreshed. Default 1 day. */
  slidingTokenRefreshLifetime?: Duration
  /** Serializer of the obtain-pair endpoint (override `getToken` for custom claims). */
  tokenObtainSerializer?: SerializerClass | string
  /** Serializer of the refresh endpoint. */
  tokenRefreshSerializer?: SerializerClass | string
  /** Serializer of the verify endpoint. */
  tokenVerifySerializer?: SerializerClass | string
  /** Serializer of the blacklist endpoint. */
  tokenBlacklistSerializer?: SerializerClass | string
  /** Serializer of the sliding obtain endpoint. */
  slidingTokenObtainSerializer?: SerializerClass | string
  /** Serializer of the sliding refresh endpoint. */
  slidingTokenRefreshSerializer?: SerializerClass | string
  /**
   * Authentication and refresh refuse users for whom `userAuthenticationRule` fails (inactive or
   * deleted). Default true (later simplejwt's fix; 5.2.2 let refresh through).
   */
  checkUserIsActive?: boolean
  /**
   * Keeps the payloads of verified tokens, keyed by the whole token, so that a token used again
   * skips its signature check and decoding; its claims, type and blacklist entry are still checked
   * on every use, and it is never served past its `exp` plus the leeway. `{ maxEntries, maxBytes }`
   * (each defaulted when left out), `true` for the defaults, or `false`. Default
   * `{ maxEntries: 10000, maxBytes: 8 MiB }`; off with JWK_URL, whose keys can be withdrawn.
   */
  verifiedTokenCache?: boolean | { maxEntries?: number; maxBytes?: number }
  /** Longest token accepted, in characters; longer ones are refused unread. Default 8192. */
  maxTokenLength?: number
  /**
   * Refresh-token reuse detection (RFC 9700, section 4.14.2): refresh tokens carry a family id
   * (TOKEN_FAMILY_CLAIM) from `forUser` through every rotation, and presenting one that was
   * already rotated or blacklisted revokes its whole family. Needs ROTATE_REFRESH_TOKENS,
   * BLACKLIST_AFTER_ROTATION and a TokenStore with `revokeFamily`. Default false.
   */
  refreshTokenReuseDetection?: boolean
  /** The claim holding a refresh token's family id. Default `family`. */
  tokenFamilyClaim?: string
  /**
   * Tokens carry a keyed hash of the user's `UserStore.revocationStamp` (the password hash), and
   * authentication with lookup refuses them once it changes, as simplejwt 5.3 does. The hash is
   * HMAC-SHA-256 under a key derived from SIGNING_KEY, not simplejwt's MD5. Default false.
   */
  checkRevokeToken?: boolean
  /** The claim holding that hash. Default `hash_password`. */
  revokeTokenClaim?: string
  /**
   * Rates of the obtain endpoints' throttle in Django REST framework's notation, per scope:
   * `login` counts requests per client address, `login_user` per username tried
   * (`{ login: '5/min', login_user: '10/hour' }`; periods s, m, h, d). A scope left out or null is
   * off. Default none: no throttling.
   */
  throttleRates?: Readonly<Partial<Record<'login' | 'login_user', string | null>>> | null
  /**
   * How many proxies stand in front of the server (DRF's NUM_PROXIES): the client address is the
   * one that many entries from the right of `X-Forwarded-For`. Default none: the socket's address,
   * the header ignored.
   */
  numProxies?: number | null
}

type Upper<S extends string> = S extends `${infer H}${infer T}`
  ? H extends Uppercase<H>
    ? H extends Lowercase<H>
      ? `${H}${Upper<T>}`
      : `_${H}${Upper<T>}`
    : `${Uppercase<H>}${Upper<T>}`
  : S

/** The same settings in simplejwt's own names: `{ ACCESS_TOKEN_LIFETIME: 300, ROTATE_REFRESH_TOKENS: true }`. */
export type DjangoSettings = { [K in keyof Settings as Upper<K>]?: Settings[K] }

export type SettingsInput = Settings | DjangoSettings

/** Settings after resolution: every default applied, durations in seconds, frozen. */
export interface ResolvedSettings {
  readonly accessTokenLifetime: number
  readonly refreshTokenLifetime: number
  readonly rotateRefreshTokens: boolean
  readonly blacklistAfterRotation: boolean
  readonly updateLastLogin: boolean
  readonly algorithm: Algorithm
  readonly signingKey: KeyInput | undefined
  readonly verifyingKey: KeyInput | undefined
  readonly audience: readonly string[] | null
  /** `audience` as written into tokens (a string stays a string). */
  readonly audienceClaim: string | readonly string[] | null
  readonly issuer: string | null
  readonly jsonEncoder: ((this: unknown, key: string, value: unknown) => unknown) | null
  readonly jwkUrl: string | null
  readonly leeway: number
  readonly authHeaderTypes: readonly string[]
  /** Lower-case HTTP header name (`authorization`). */
  readonly authHeaderName: string
  readonly userIdField: string
  readonly userIdClaim: string
  readonly userAuthenticationRule: (user: AuthUser | null) => boolean
  readonly authTokenClasses: readonly TokenClass[]
  readonly tokenTypeClaim: string | null
  readonly tokenUserClass: TokenUserClass
  readonly jtiClaim: string | null
  readonly slidingTokenRefreshExpClaim: string
  readonly slidingTokenLifetime: number
  readonly slidingTokenRefreshLifetime: number
  readonly tokenObtainSerializer: SerializerClass
  readonly tokenRefreshSerializer: SerializerClass
  readonly tokenVerifySerializer: SerializerClass
  readonly tokenBlacklistSerializer: SerializerClass
  readonly slidingTokenObtainSerializer: SerializerClass
  readonly slidingTokenRefreshSerializer: SerializerClass
  readonly checkUserIsActive: boolean
  /** null when off. */
  readonly verifiedTokenCache: VerifiedTokenCacheLimits | null
  readonly maxTokenLength: number
  readonly refreshTokenReuseDetection: boolean
  readonly tokenFamilyClaim: string
  readonly checkRevokeToken: boolean
  readonly revokeTokenClaim: string
  /** Each scope's parsed rate; null where that scope is off. */
  readonly throttleRates: ThrottleRates
  readonly numProxies: number | null
}

/** simplejwt's default user rule: a user exists and is active. */
export function defaultUserAuthenticationRule(user: AuthUser | null): boolean {
  return user != null && user.isActive !== false
}

const REMOVED_SETTINGS = [
  'AUTH_HEADER_TYPE',
  'AUTH_TOKEN_CLASS',
  'SECRET_KEY',
  'TOKEN_BACKEND_CLASS',
]
const SETTINGS_DOC =
  'https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html'

/** The implementations that simplejwt's default dotted paths name; filled by the modules that define them. */
export interface Builtins {
  readonly classes: Readonly<Record<string, unknown>>
  readonly defaults: {
    readonly authTokenClasses: readonly TokenClass[]
    readonly tokenUserClass: TokenUserClass
    readonly serializers: Readonly<Record<SerializerSetting, SerializerClass>>
  }
}

type SerializerSetting =
  | 'tokenObtainSerializer'
  | 'tokenRefreshSerializer'
  | 'tokenVerifySerializer'
  | 'tokenBlacklistSerializer'
  | 'slidingTokenObtainSerializer'
  | 'slidingTokenRefreshSerializer'

const SERIALIZER_SETTINGS: readonly SerializerSetting[] = [
  'tokenObtainSerializer',
  'tokenRefreshSerializer',
  'tokenVerifySerializer',
  'tokenBlacklistSerializer',
  'slidingTokenObtainSerializer',
  'slidingTokenRefreshSerializer',
]

const KNOWN_KEYS: readonly (keyof Settings)[] = [
  'accessTokenLifetime',
  'refreshTokenLifetime',
  'rotateRefreshTokens',
  'blacklistAfterRotation',
  'updateLastLogin',
  'algorithm',
  'signingKey',
  'verifyingKey',
  'audience',
  'issuer',
  'jsonEncoder',
  'jwkUrl',
  'leeway',
  'authHeaderTypes',
  'authHeaderName',
  'userIdField',
  'userIdClaim',
  'userAuthenticationRule',
  'authTokenClasses',
  'tokenTypeClaim',
  'tokenUserClass',
  'jtiClaim',
  'slidingTokenRefreshExpClaim',
  'slidingTokenLifetime',
  'slidingTokenRefreshLifetime',
  ...SERIALIZER_SETTINGS,
  'checkUserIsActive',
  'verifiedTokenCache',
  'maxTokenLength',
  'refreshTokenReuseDetection',
  'tokenFamilyClaim',
  'checkRevokeToken',
  'revokeTokenClaim',
  'throttleRates',
  'numProxies',
]

export function toUpperSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()
}

const BY_NAME = new Map<string, keyof Settings>(
  KNOWN_KEYS.flatMap((k) => [
    [k, k],
    [toUpperSnake(k), k],
  ]),
)

/** Maps either spelling to camelCase, refusing unknown, removed and doubled keys. */
function normalize(input: SettingsInput): Settings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigurationError('settings must be an object')
  }
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(input)) {
    if (REMOVED_SETTINGS.includes(name)) {
      throw new ConfigurationError(
        `The '${name}' setting has been removed. Please refer to '${SETTINGS_DOC}' for available settings.`,
      )
    }
    const key = BY_NAME.get(name)
    if (key === undefined) throw new ConfigurationError(`Unknown setting '${name}'`)
    if (key in out) {
      throw new ConfigurationError(
        `Setting '${key}' is given twice (as '${key}' and '${toUpperSnake(key)}')`,
      )
    }
    if (value !== undefined) out[key] = value
  }
  return out as Settings
}

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new ConfigurationError(`${name} must be true or false`)
  return value
}

function text(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`${name} must be a non-empty string; got ${describe(value)}`)
  }
  return value
}

function optionalText(value: unknown, name: string): string | null {
  return value == null ? null : text(value, name, '')
}

/** A claim name, or null to switch the claim off (as None does in simplejwt). */
function claimName(value: unknown, name: string, fallback: string): string | null {
  return value === null ? null : text(value, name, fallback)
}

function pick<T>(
  value: unknown,
  name: string,
  builtins: Builtins,
  check: (v: unknown) => v is T,
): T {
  const found = typeof value === 'string' ? builtins.classes[value] : value
  if (typeof value === 'string' && found === undefined) {
    throw new ConfigurationError(
      `${name}: '${value}' is a Python import path; pass the TypeScript class or function instead`,
    )
  }
  if (!check(found))
    throw new ConfigurationError(`${name} must be a class or function; got ${describe(value)}`)
  return found
}

const isFunction = (v: unknown): v is never => typeof v === 'function'

/**
 * Header name from Django's META spelling (`HTTP_X_ACCESS_TOKEN` → `x-access-token`) or a plain
 * header name.
 */
function headerName(value: unknown): string {
  const name = text(value, 'AUTH_HEADER_NAME', 'HTTP_AUTHORIZATION')
  if (/^HTTP_[A-Z0-9_]+$/.test(name)) return name.slice(5).replaceAll('_', '-').toLowerCase()
  if (name === 'CONTENT_TYPE' || name === 'CONTENT_LENGTH')
    return name.replace('_', '-').toLowerCase()
  if (/^[!#$%&'*+\-.^`|~\w]+$/.test(name)) return name.toLowerCase()
  throw new ConfigurationError(
    `AUTH_HEADER_NAME must be a Django META name such as 'HTTP_AUTHORIZATION' or a header name; got ${describe(value)}`,
  )
}

function headerTypes(value: unknown): readonly string[] {
  if (value === undefined) return ['Bearer']
  const list = typeof value === 'string' ? [value] : value
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((t) => typeof t === 'string' && /^[!#$%&'*+\-.^`|~\w]+$/.test(t))
  ) {
    throw new ConfigurationError('AUTH_HEADER_TYPES must be a word or a non-empty list of words')
  }
  return Object.freeze([...list])
}

function audience(value: unknown): string | readonly string[] | null {
  if (value == null) return null
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === 'string')) {
    return Object.freeze([...value])
  }
  throw new ConfigurationError('AUDIENCE must be a string or a non-empty list of strings')
}

/** REFRESH_TOKEN_REUSE_DETECTION, TOKEN_FAMILY_CLAIM, CHECK_REVOKE_TOKEN and REVOKE_TOKEN_CLAIM. */
function revocationSettings(s: Settings, rotate: boolean) {
  const reuse = bool(s.refreshTokenReuseDetection, 'REFRESH_TOKEN_REUSE_DETECTION', false)
  if (reuse && !(rotate && s.blacklistAfterRotation === true)) {
    throw new ConfigurationError(
      'REFRESH_TOKEN_REUSE_DETECTION needs ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION',
    )
  }
  const checkRevoke = bool(s.checkRevokeToken, 'CHECK_REVOKE_TOKEN', false)
  const familyClaim = text(s.tokenFamilyClaim, 'TOKEN_FAMILY_CLAIM', 'family')
  const revokeClaim = text(s.revokeTokenClaim, 'REVOKE_TOKEN_CLAIM', 'hash_password')
  // A claim the library writes for one purpose must not overwrite one it writes for another.
  const taken = [
    s.userIdClaim ?? 'user_id',
    s.jtiClaim ?? 'jti',
    s.tokenTypeClaim ?? 'token_type',
    s.slidingTokenRefreshExpClaim ?? 'refresh_exp',
    'exp',
    'iat',
  ]
  if (reuse && taken.includes(familyClaim)) {
    throw new ConfigurationError(`TOKEN_FAMILY_CLAIM '${familyClaim}' is a claim already in use`)
  }
  if (checkRevoke && (taken.includes(revokeClaim) || (reuse && revokeClaim === familyClaim))) {
    throw new ConfigurationError(`REVOKE_TOKEN_CLAIM '${revokeClaim}' is a claim already in use`)
  }
  return {
    refreshTokenReuseDetection: reuse,
    tokenFamilyClaim: familyClaim,
    checkRevokeToken: checkRevoke,
    revokeTokenClaim: revokeClaim,
  }
}

/**
 * Applies simplejwt's defaults and checks every value once. Keys are checked separately in
 * `keys.ts`, where they are imported.
 */
export function resolveSettings(input: SettingsInput, builtins: Builtins): ResolvedSettings {
  const s = normalize(input)
  const algorithm = text(s.algorithm, 'ALGORITHM', 'HS256')
  if (!(ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new ConfigurationError(
      `Unrecognized algorithm type '${algorithm}'; allowed: ${ALGORITHMS.join(', ')}`,
    )
  }
  const aud = audience(s.audience)
  const rotate = bool(s.rotateRefreshTokens, 'ROTATE_REFRESH_TOKENS', false)
  const maxTokenLength = s.maxTokenLength ?? 8192
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 64) {
    throw new ConfigurationError('MAX_TOKEN_LENGTH must be an integer of at least 64')
  }
  const classes = s.authTokenClasses ?? builtins.defaults.authTokenClasses
  if (!Array.isArray(classes) || classes.length === 0) {
    throw new ConfigurationError('AUTH_TOKEN_CLASSES must be a non-empty list of token classes')
  }
  const serializers = Object.fromEntries(
    SERIALIZER_SETTINGS.map((key) => [
      key,
      s[key] === undefined
        ? builtins.defaults.serializers[key]
        : pick(s[key], toUpperSnake(key), builtins, isFunction),
    ]),
  ) as Record<SerializerSetting, SerializerClass>

  const resolved = {
    accessTokenLifetime: toSeconds(s.accessTokenLifetime ?? 300, 'ACCESS_TOKEN_LIFETIME'),
    refreshTokenLifetime: toSeconds(s.refreshTokenLifetime ?? 86400, 'REFRESH_TOKEN_LIFETIME'),
    rotateRefreshTokens: rotate,
    blacklistAfterRotation: bool(s.blacklistAfterRotation, 'BLACKLIST_AFTER_ROTATION', false),
    updateLastLogin: bool(s.updateLastLogin, 'UPDATE_LAST_LOGIN', false),
    algorithm: algorithm as Algorithm,
    signingKey: s.signingKey ?? undefined,
    verifyingKey: s.verifyingKey === '' ? undefined : (s.verifyingKey ?? undefined),
    audience: aud === null ? null : typeof aud === 'string' ? [aud] : aud,
    audienceClaim: aud,
    issuer: optionalText(s.issuer, 'ISSUER'),
    jsonEncoder:
      s.jsonEncoder == null ? null : pick(s.jsonEncoder, 'JSON_ENCODER', builtins, isFunction),
    jwkUrl: optionalText(s.jwkUrl, 'JWK_URL'),
    leeway: toSeconds(s.leeway ?? 0, 'LEEWAY'),
    authHeaderTypes: headerTypes(s.authHeaderTypes),
    authHeaderName: headerName(s.authHeaderName),
    userIdField: text(s.userIdField, 'USER_ID_FIELD', 'id'),
    userIdClaim: text(s.userIdClaim, 'USER_ID_CLAIM', 'user_id'),
    userAuthenticationRule:
      s.userAuthenticationRule === undefined
        ? defaultUserAuthenticationRule
        : pick(s.userAuthenticationRule, 'USER_AUTHENTICATION_RULE', builtins, isFunction),
    authTokenClasses: Object.freeze(
      classes.map((c: unknown) => pick<TokenClass>(c, 'AUTH_TOKEN_CLASSES', builtins, isFunction)),
    ),
    tokenTypeClaim: claimName(s.tokenTypeClaim, 'TOKEN_TYPE_CLAIM', 'token_type'),
    tokenUserClass:
      s.tokenUserClass === undefined
        ? builtins.defaults.tokenUserClass
        : pick(s.tokenUserClass, 'TOKEN_USER_CLASS', builtins, isFunction),
    jtiClaim: claimName(s.jtiClaim, 'JTI_CLAIM', 'jti'),
    slidingTokenRefreshExpClaim: text(
      s.slidingTokenRefreshExpClaim,
      'SLIDING_TOKEN_REFRESH_EXP_CLAIM',
      'refresh_exp',
    ),
    slidingTokenLifetime: toSeconds(s.slidingTokenLifetime ?? 300, 'SLIDING_TOKEN_LIFETIME'),
    slidingTokenRefreshLifetime: toSeconds(
      s.slidingTokenRefreshLifetime ?? 86400,
      'SLIDING_TOKEN_REFRESH_LIFETIME',
    ),
    ...serializers,
    checkUserIsActive: bool(s.checkUserIsActive, 'CHECK_USER_IS_ACTIVE', true),
    verifiedTokenCache: resolveTokenCache(s.verifiedTokenCache, optionalText(s.jwkUrl, 'JWK_URL')),
    maxTokenLength,
    ...revocationSettings(s, rotate),
    ...resolveThrottleSettings(s.throttleRates, s.numProxies),
  } satisfies ResolvedSettings
  // Keys stay out of logs and JSON dumps of the settings.
  Object.defineProperty(resolved, 'signingKey', { enumerable: false })
  Object.defineProperty(resolved, 'verifyingKey', { enumerable: false })
  return Object.freeze(resolved)
}
