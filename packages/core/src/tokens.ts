import * as blacklist from './blacklist'
import { ConfigurationError, message, TokenError, tokenError } from './errors'
import { type Awaitable, andThen, isThenable } from './lib/awaitable'
import { type Payload, type TokenBackend, TokenBackendError } from './lib/backend'
import type { ResolvedSettings } from './settings'
import type { AuthUser, TokenStore } from './stores'

export type { Payload }

/** What bound token classes share: the settings, the backend, the store and the clock. */
export interface TokenContext {
  readonly settings: ResolvedSettings
  readonly backend: TokenBackend
  readonly tokens: TokenStore | undefined
  /** Milliseconds since the epoch. */
  readonly now: () => number
  /** The class bound to this context (cached); classes already bound are returned as they are. */
  bind<C extends TokenClass>(cls: C): C
  /** CHECK_REVOKE_TOKEN: the REVOKE_TOKEN_CLAIM value for `user`. */
  readonly revokeTokenHash?: ((user: AuthUser) => Promise<string>) | undefined
}

/** A token decoded from its compact form, as handed to a token class's constructor. */
export interface DecodedToken {
  readonly token: string
  readonly payload: Payload
  /** The clock's time when decoding began (ms since the epoch); read from the clock when absent. */
  readonly currentTime?: number
}

/** A token class: `AccessToken`, `RefreshToken`, `SlidingToken`, `UntypedToken` or a subclass. */
export type TokenClass<T extends Token = Token> = (new (
  decoded?: DecodedToken,
) => T) &
  Omit<typeof Token, 'prototype'>

/** The class of stateless users built from tokens (TOKEN_USER_CLASS). */
export type TokenUserClass = new (token: Token) => AuthUser

/**
 * A JSON Web Token being built or one that was decoded and verified (simplejwt's `Token`).
 *
 * Token classes are used bound to a configuration: `sjwt.AccessToken`, `sjwt.RefreshToken`, ...
 * (see `createSimpleJWT`). Subclass them to add claims or checks, as in simplejwt.
 */
export class Token {
  /** The value of the TOKEN_TYPE_CLAIM claim; null in this base class. */
  static readonly tokenType: string | null = null
  /** Whether the blacklist applies to this class (refresh and sliding tokens). */
  static readonly blacklistable: boolean = false
  /** The configuration this class is bound to. */
  static context: TokenContext | undefined = undefined

  /** The lifetime in seconds of new tokens of this class; null when it has none. */
  static lifetime(_settings: ResolvedSettings): number | null {
    return null
  }

  /** The compact token this was decoded from; null for a new token. */
  readonly token: string | null
  readonly payload: Payload
  /** When this object was made (ms since the epoch): the base of `exp`, `iat` and expiry checks. */
  readonly currentTime: number
  // Private, so logging or serialising a token never prints the settings' keys. (A private field,
  // not a non-enumerable property: defining one on every token costs more than the rest of it.)
  readonly #context: TokenContext

  /** The configuration of this token's class. */
  protected get context(): TokenContext {
    return this.#context
  }

  /** A new token (`exp`, `iat`, `jti` set), or, given `decoded`, a wrapper of a decoded one. */
  constructor(decoded?: DecodedToken) {
    const cls = this.constructor as TokenClass
    this.#context = contextOf(cls)
    this.currentTime = decoded?.currentTime ?? this.context.now()
    if (decoded !== undefined) {
      this.token = decoded.token
      this.payload = decoded.payload
      return
    }
    this.token = null
    const { tokenTypeClaim } = this.context.settings
    this.payload = tokenTypeClaim === null ? {} : { [tokenTypeClaim]: cls.tokenType }
    this.setExp()
    this.setIat()
    this.setJti()
  }

  /**
   * Decodes a compact token and, unless `verify` is false, checks its signature, claims, type and
   * blacklist entry (simplejwt's `Token(token)`), failing with a {@link TokenError} with a message
   * for the client.
   *
   * Answers with the token itself when nothing had to be waited for (the signature checked on the
   * calling thread or found in the verified-token cache, no store to ask) and with a promise
   * otherwise; a failure found at once is thrown, one found later rejects. `await` it (in an
   * `async` function, or a `try` block) and both are the same.
   */
  static decode<T extends Token>(
    this: TokenClass<T>,
    token: unknown,
    options: { verify?: boolean } = {},
  ): T | Promise<T> {
    return Token.#decode(this, token, options.verify ?? true)
  }

  /**
   * A new token for `user`, carrying its USER_ID_FIELD in USER_ID_CLAIM (recorded as outstanding
   * for blacklistable classes); with CHECK_REVOKE_TOKEN, the hash in REVOKE_TOKEN_CLAIM; with
   * REFRESH_TOKEN_REUSE_DETECTION, a refresh token starts a new family (TOKEN_FAMILY_CLAIM).
   */
  static async forUser<T extends Token>(this: TokenClass<T>, user: AuthUser): Promise<T> {
    const { settings, revokeTokenHash } = contextOf(this)
    const token = new this()
    token.set(settings.userIdClaim, userIdValue(user, settings.userIdField))
    if (settings.checkRevokeToken && revokeTokenHash !== undefined) {
      token.set(settings.revokeTokenClaim, await revokeTokenHash(user))
    }
    if (settings.refreshTokenReuseDetection && token instanceof RefreshToken) {
      token.set(settings.tokenFamilyClaim, newId())
    }
    if (this.blacklistable) await token.recordOutstanding()
    return token
  }

  /** The resolved settings of this token's configuration. */
  get settings(): ResolvedSettings {
    return this.context.settings
  }

  /** The lifetime of new tokens of this token's class, in seconds. */
  get lifetime(): number {
    return (this.constructor as TokenClass).lifetime(this.context.settings) ?? 0
  }

  get(claim: string): unknown {
    return this.payload[claim]
  }

  set(claim: string, value: unknown): this {
    this.payload[claim] = value
    return this
  }

  delete(claim: string): void {
    delete this.payload[claim]
  }

  has(claim: string): boolean {
    return Object.hasOwn(this.payload, claim)
  }

  /** Signs the payload into its compact form (simplejwt's `str(token)`). */
  sign(): Promise<string> {
    return this.context.backend.encode(this.payload)
  }

  /**
   * The checks made after decoding: the blacklist (for blacklistable classes, when a TokenStore
   * is configured), `exp` present and not passed, the id claim present, the type claim right.
   * Answers at once (throwing on failure) unless it asks the store; an override may be `async`.
   */
  verify(): Awaitable<void> {
    const asksStore =
      (this.constructor as TokenClass).blacklistable && this.context.tokens !== undefined
    if (!asksStore) return this.verifyPayload()
    return this.checkBlacklist().then(() => this.verifyPayload())
  }

  /** The checks of `verify()` after the blacklist: `exp`, the id claim, the type claim. */
  protected verifyPayload(): void {
    const { jtiClaim, tokenTypeClaim } = this.context.settings
    // RFC 7519 makes exp optional; simplejwt requires it, so no token lives forever.
    this.checkExp()
    if (jtiClaim !== null && !this.has(jtiClaim)) throw tokenError('Token has no id')
    if (tokenTypeClaim !== null) this.verifyTokenType()
  }

  static #decode<T extends Token>(
    cls: TokenClass<T>,
    token: unknown,
    verify: boolean,
  ): T | Promise<T> {
    const context = contextOf(cls)
    // One reading of the clock, as simplejwt's Token reads it once before decoding.
    const now = context.now()
    let decoded: Payload | Promise<Payload>
    try {
      decoded = context.backend.decodeNow(token, verify, now)
    } catch (cause) {
      throw backendFailure(cause)
    }
    if (decoded instanceof Promise) {
      return decoded.then(
        (payload) => Token.#verified(cls, token as string, payload, verify, now),
        (cause: unknown) => {
          throw backendFailure(cause)
        },
      )
    }
    return Token.#verified(cls, token as string, decoded, verify, now)
  }

  static #verified<T extends Token>(
    cls: TokenClass<T>,
    token: string,
    payload: Payload,
    verify: boolean,
    currentTime: number,
  ): T | Promise<T> {
    const result = new cls({ token, payload, currentTime })
    if (!verify) return result
    const verified = result.verify()
    // An override may answer with a value though it is not a promise: only a thenable is waited for.
    return isThenable(verified) ? andThen(verified, () => result) : result
  }

  /** The type claim is present and names this class's type. */
  verifyTokenType(): void {
    const claim = this.context.settings.tokenTypeClaim
    if (claim === null) return
    if (!this.has(claim)) throw tokenError('Token has no type')
    if (this.payload[claim] !== (this.constructor as TokenClass).tokenType)
      throw tokenError('Token has wrong type')
  }

  /** Sets the `jti` (JTI_CLAIM) to a new random id: 32 hex digits, as Python's `uuid4().hex`. */
  setJti(): void {
    const { jtiClaim } = this.context.settings
    if (jtiClaim !== null) this.payload[jtiClaim] = newId()
  }

  /** Sets `claim` to `fromTime` plus `lifetime` seconds, as whole seconds since the epoch. */
  setExp(claim = 'exp', fromTime = this.currentTime, lifetime = this.lifetime): void {
    this.payload[claim] = Math.floor((fromTime + lifetime * 1000) / 1000)
  }

  /** Sets `claim` to `atTime` in whole seconds since the epoch. */
  setIat(claim = 'iat', atTime = this.currentTime): void {
    this.payload[claim] = Math.floor(atTime / 1000)
  }

  /** Throws unless `claim` holds a time after `currentTime` minus the leeway. */
  checkExp(claim = 'exp', currentTime = this.currentTime): void {
    if (!this.has(claim)) throw tokenError("Token has no '{}' claim", claim)
    const value = this.payload[claim]
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw tokenError('Token is invalid or expired')
    if (value * 1000 <= currentTime - this.context.settings.leeway * 1000) {
      throw tokenError("Token '{}' claim has expired", claim)
    }
  }

  // The blacklist (simplejwt's BlacklistMixin): see ./blacklist.

  /**
   * Throws "Token is blacklisted" when this token's `jti` is on the blacklist, when its family was
   * revoked (REFRESH_TOKEN_REUSE_DETECTION), or when its user's tokens were revoked after it was
   * issued (`revokeUserTokens`). A blacklisted token presented again revokes its family.
   */
  checkBlacklist(): Promise<void> {
    return blacklist.checkBlacklist(this, this.context)
  }

  /**
   * What the TokenStore holds against this token, asked at once: its own blacklist entry
   * (`blacklisted`), and its family's or its user's revocation (`revoked`).
   */
  revocationStatus(jti: string): Promise<blacklist.RevocationStatus> {
    return blacklist.revocationStatus(this, this.context, jti)
  }

  /**
   * Revokes this refresh token's family (REFRESH_TOKEN_REUSE_DETECTION); called when a token
   * already rotated or blacklisted is presented again. Resolves true when this call revoked it.
   */
  revokeFamily(): Promise<boolean> {
    return blacklist.revokeFamily(this, this.context)
  }

  /** The family id (TOKEN_FAMILY_CLAIM) with REFRESH_TOKEN_REUSE_DETECTION, else undefined. */
  get family(): string | undefined {
    return blacklist.familyOf(this, this.context)
  }

  /**
   * Puts this token on the blacklist (recording it as outstanding if needed). Resolves true when
   * this call blacklisted it, false when it already was: of concurrent calls, exactly one wins.
   */
  blacklist(): Promise<boolean> {
    return blacklist.blacklist(this, this.context)
  }

  /**
   * Records this token in the outstanding-token list, when a TokenStore is configured. `signed`
   * is its compact form when the caller already has it.
   */
  recordOutstanding(signed?: string): Promise<void> {
    return blacklist.recordOutstanding(this, this.context, signed)
  }

  /** The user id (USER_ID_CLAIM) when it is a string or a number, else null. */
  get userId(): string | number | null {
    const userId = this.payload[this.context.settings.userIdClaim]
    return typeof userId === 'string' || typeof userId === 'number' ? userId : null
  }

  /** The token's id (JTI_CLAIM) as the blacklist keys it: non-string ids as their JSON text. */
  get jti(): string | undefined {
    const { jtiClaim } = this.context.settings
    const jti = jtiClaim === null ? undefined : this.payload[jtiClaim]
    return typeof jti === 'string' ? jti : jti === undefined ? undefined : JSON.stringify(jti)
  }
}

/** An access token: what authentication accepts by default. */
export class AccessToken extends Token {
  static override readonly tokenType: string | null = 'access'
  static override lifetime(settings: ResolvedSettings): number | null {
    return settings.accessTokenLifetime
  }
}

/** A refresh token: exchanged for access tokens; blacklistable. */
export class RefreshToken extends Token {
  static override readonly tokenType: string | null = 'refresh'
  static override readonly blacklistable: boolean = true
  /** The class of the access tokens this refresh token makes. */
  static accessTokenClass: TokenClass = AccessToken
  static override lifetime(settings: ResolvedSettings): number | null {
    return settings.refreshTokenLifetime
  }

  /** Claims not copied into access tokens (the family id is the refresh token's own). */
  protected get noCopyClaims(): readonly (string | null)[] {
    const { tokenTypeClaim, jtiClaim, refreshTokenReuseDetection, tokenFamilyClaim } =
      this.context.settings
    const claims = [tokenTypeClaim, 'exp', jtiClaim, 'jti']
    return refreshTokenReuseDetection ? [...claims, tokenFamilyClaim] : claims
  }

  /**
   * A new access token carrying this token's claims (except the no-copy ones), expiring relative
   * to when this refresh token was made, so a pair expires from the same instant.
   */
  get accessToken(): Token {
    const cls = this.context.bind((this.constructor as typeof RefreshToken).accessTokenClass)
    const access = new cls()
    access.setExp(undefined, this.currentTime)
    const noCopy = this.noCopyClaims
    for (const [claim, value] of Object.entries(this.payload)) {
      if (!noCopy.includes(claim)) access.set(claim, value)
    }
    return access
  }
}

/** A sliding token: authenticates, and is refreshed until its `refresh_exp`; blacklistable. */
export class SlidingToken extends Token {
  static override readonly tokenType: string | null = 'sliding'
  static override readonly blacklistable: boolean = true
  static override lifetime(settings: ResolvedSettings): number | null {
    return settings.slidingTokenLifetime
  }

  constructor(decoded?: DecodedToken) {
    super(decoded)
    if (decoded === undefined) {
      const { slidingTokenRefreshExpClaim, slidingTokenRefreshLifetime } = this.context.settings
      this.setExp(slidingTokenRefreshExpClaim, this.currentTime, slidingTokenRefreshLifetime)
    }
  }
}

/** A token of any type: for checking signature and expiry only (the verify endpoint). */
export class UntypedToken extends Token {
  static override readonly tokenType: string | null = 'untyped'
  static override lifetime(): number | null {
    return 0
  }
  override verifyTokenType(): void {}
}

/**
 * A user built from a token alone, without a lookup (simplejwt's `TokenUser`): the id from
 * USER_ID_CLAIM, `username`, `is_staff` and `is_superuser` from claims of those names.
 */
export class TokenUser implements AuthUser {
  readonly isActive = true
  readonly token: Token
  readonly [field: string]: unknown

  constructor(token: Token) {
    this.token = token
  }

  get id(): unknown {
    return this.token.get(this.token.settings.userIdClaim)
  }

  get pk(): unknown {
    return this.id
  }

  get username(): string {
    const value = this.token.get('username')
    return typeof value === 'string' ? value : ''
  }

  get isStaff(): boolean {
    return pythonTruthy(this.token.get('is_staff'))
  }

  get isSuperuser(): boolean {
    return pythonTruthy(this.token.get('is_superuser'))
  }

  /** Any other claim of the token. */
  claim(name: string): unknown {
    return this.token.get(name)
  }

  toString(): string {
    return `TokenUser ${String(this.id)}`
  }
}

/** Python's truth value of a JSON value, as simplejwt's permission checks read claims. */
function pythonTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0
  return Boolean(value)
}

/** The backend's refusal as token classes report it: "Token is invalid or expired". */
function backendFailure(cause: unknown): unknown {
  if (cause instanceof TokenBackendError)
    return new TokenError(message('Token is invalid or expired'), { cause })
  return cause
}

function contextOf(cls: TokenClass): TokenContext {
  if (cls.tokenType === null) throw tokenError('Cannot create token with no type or lifetime')
  const context = cls.context
  if (context === undefined) {
    throw new ConfigurationError(
      `${cls.name} is not bound to a configuration: use the class from createSimpleJWT() (e.g. sjwt.${cls.name}) or sjwt.bind(${cls.name})`,
    )
  }
  if (cls.lifetime(context.settings) === null)
    throw tokenError('Cannot create token with no type or lifetime')
  return context
}

function userIdValue(user: AuthUser, field: string): string | number {
  const id = user[field]
  if (id === undefined || id === null) {
    throw new ConfigurationError(`The user has no '${field}' (USER_ID_FIELD) to put in a token`)
  }
  // simplejwt keeps integer ids as integers and writes anything else as a string.
  if (typeof id === 'number' && Number.isInteger(id)) return id
  if (typeof id === 'bigint' && Number.isSafeInteger(Number(id))) return Number(id)
  return String(id)
}

/** A random id: 32 hex digits, as Python's `uuid4().hex`. */
function newId(): string {
  return crypto.randomUUID().replaceAll('-', '')
}
