import {
  AuthenticationFailed,
  ConfigurationError,
  InvalidToken,
  localize,
  message,
  StoreUnavailableError,
  type TokenClassMessage,
  TokenError,
  ValidationError,
} from './errors'
import { andThen, isThenable } from './lib/awaitable'
import { TokenBackend } from './lib/backend'
import { parseBody } from './lib/body'
import { askStore, failClosed } from './lib/fail-closed'
import { authorizationParts, type HeaderInput, headerValue } from './lib/headers'
import { negotiateLanguage } from './lib/i18n'
import { type PreparedKeys, prepareKeys } from './lib/keys'
import { RevokeTokenHash } from './lib/revocation'
import {
  readFields,
  type SerializerClass,
  type SerializerContext,
  TokenBlacklistSerializer,
  TokenObtainPairSerializer,
  TokenObtainSlidingSerializer,
  TokenRefreshSerializer,
  TokenRefreshSlidingSerializer,
  TokenVerifySerializer,
} from './serializers'
import {
  type Builtins,
  defaultUserAuthenticationRule,
  type ResolvedSettings,
  resolveSettings,
  type SettingsInput,
} from './settings'
import {
  type AuthUser,
  hasRevocation,
  type RevocationStore,
  type TokenStore,
  type UserStore,
} from './stores'
import {
  AccessToken,
  issuedBeforeRevocation,
  RefreshToken,
  SlidingToken,
  Token,
  type TokenClass,
  type TokenContext,
  TokenUser,
  UntypedToken,
} from './tokens'

export interface SimpleJWTOptions<U extends AuthUser = AuthUser> {
  /** simplejwt's settings, camelCase or UPPER_SNAKE (see `Settings`). */
  readonly settings?: SettingsInput
  /** Where users are found and credentials checked; needed by the obtain endpoints and by authentication with lookup. */
  readonly users?: UserStore<U>
  /** Outstanding tokens and the blacklist; without it, nothing is recorded or blacklisted. */
  readonly tokens?: TokenStore
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number
}

/** A request as the core sees it: headers (names case-insensitive) and the parsed body. */
export interface CoreRequest {
  readonly headers: HeaderInput
  /** The body as a JSON value or form fields; `undefined` when there is none. */
  readonly body?: unknown
  /** Passed on to serializers (and so to `UserStore.authenticate` through subclasses). */
  readonly context?: SerializerContext
}

/** A response for the adapter to write as it is. */
export interface CoreResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** One token endpoint, request in, response out. */
export type Endpoint = (request: CoreRequest) => Promise<CoreResponse>

export interface TokenEndpointsOptions {
  /** Serve `/token/blacklist/`. Default: when a TokenStore is configured (required when true). */
  readonly blacklist?: boolean
  /** Serve `/token/sliding/` and `/token/sliding/refresh/`. Default true. */
  readonly sliding?: boolean
}

export type AuthOutcome<U extends AuthUser = AuthUser> =
  | { readonly status: 'authenticated'; readonly user: U | TokenUser; readonly token: Token }
  /** No credentials of ours in the request: another scheme may apply. */
  | { readonly status: 'anonymous' }
  | { readonly status: 'failed'; readonly response: CoreResponse }

/** `authenticated` (DRF's IsAuthenticated), `staff` (IsAdminUser) or a predicate. */
export type Permission<U extends AuthUser = AuthUser> =
  | 'authenticated'
  | 'staff'
  | ((user: U | TokenUser, token: Token) => boolean)

export interface AuthenticateOptions {
  /** Build a TokenUser from the token instead of looking the user up (JWTStatelessUserAuthentication). */
  readonly stateless?: boolean
}

export interface AuthorizeOptions<U extends AuthUser = AuthUser> extends AuthenticateOptions {
  /** `'authenticated'` (the default), `'staff'`, or a predicate of the user and the token. */
  readonly permission?: Permission<U>
}

export type AuthorizeResult<U extends AuthUser = AuthUser> =
  | { readonly ok: true; readonly user: U | TokenUser; readonly token: Token }
  | { readonly ok: false; readonly response: CoreResponse }

const BUILTINS: Builtins = {
  classes: {
    'rest_framework_simplejwt.tokens.AccessToken': AccessToken,
    'rest_framework_simplejwt.tokens.RefreshToken': RefreshToken,
    'rest_framework_simplejwt.tokens.SlidingToken': SlidingToken,
    'rest_framework_simplejwt.tokens.UntypedToken': UntypedToken,
    'rest_framework_simplejwt.models.TokenUser': TokenUser,
    'rest_framework_simplejwt.authentication.default_user_authentication_rule':
      defaultUserAuthenticationRule,
    'rest_framework_simplejwt.serializers.TokenObtainPairSerializer': TokenObtainPairSerializer,
    'rest_framework_simplejwt.serializers.TokenRefreshSerializer': TokenRefreshSerializer,
    'rest_framework_simplejwt.serializers.TokenVerifySerializer': TokenVerifySerializer,
    'rest_framework_simplejwt.serializers.TokenBlacklistSerializer': TokenBlacklistSerializer,
    'rest_framework_simplejwt.serializers.TokenObtainSlidingSerializer':
      TokenObtainSlidingSerializer,
    'rest_framework_simplejwt.serializers.TokenRefreshSlidingSerializer':
      TokenRefreshSlidingSerializer,
  },
  defaults: {
    authTokenClasses: [AccessToken],
    tokenUserClass: TokenUser,
    serializers: {
      tokenObtainSerializer: TokenObtainPairSerializer,
      tokenRefreshSerializer: TokenRefreshSerializer,
      tokenVerifySerializer: TokenVerifySerializer,
      tokenBlacklistSerializer: TokenBlacklistSerializer,
      slidingTokenObtainSerializer: TokenObtainSlidingSerializer,
      slidingTokenRefreshSerializer: TokenRefreshSlidingSerializer,
    },
  },
}

/**
 * Resolves and checks the settings, imports the keys once, and returns the configured library.
 * Every configuration mistake is a {@link ConfigurationError} here, at start-up.
 */
export async function createSimpleJWT<U extends AuthUser = AuthUser>(
  options: SimpleJWTOptions<U> = {},
): Promise<SimpleJWT<U>> {
  const settings = resolveSettings(options.settings ?? {}, BUILTINS)
  if (settings.blacklistAfterRotation && options.tokens === undefined) {
    throw new ConfigurationError('BLACKLIST_AFTER_ROTATION needs a TokenStore (option `tokens`)')
  }
  if (settings.refreshTokenReuseDetection && !hasRevocation(options.tokens)) {
    throw new ConfigurationError(
      'REFRESH_TOKEN_REUSE_DETECTION needs a TokenStore with revokeFamily and isFamilyRevoked',
    )
  }
  if (settings.checkRevokeToken && options.users?.revocationStamp === undefined) {
    throw new ConfigurationError('CHECK_REVOKE_TOKEN needs a UserStore with revocationStamp')
  }
  const keys = await prepareKeys(settings)
  const revokeTokenHash = settings.checkRevokeToken
    ? await RevokeTokenHash.create(settings)
    : undefined
  return new SimpleJWT(settings, keys, options, revokeTokenHash)
}

/** The configured library: bound token classes, authentication and the token endpoints. */
export class SimpleJWT<U extends AuthUser = AuthUser> {
  readonly settings: ResolvedSettings
  readonly users: UserStore<U> | undefined
  readonly tokens: TokenStore | undefined
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly backend: TokenBackend
  readonly AccessToken: typeof AccessToken
  readonly RefreshToken: typeof RefreshToken
  readonly SlidingToken: typeof SlidingToken
  readonly UntypedToken: typeof UntypedToken
  readonly #context: TokenContext
  readonly #bound = new Map<TokenClass, TokenClass>()
  readonly #wwwAuthenticate: string
  readonly #revokeTokenHash: RevokeTokenHash | undefined

  /** Use {@link createSimpleJWT}, which imports the keys first. */
  constructor(
    settings: ResolvedSettings,
    keys: PreparedKeys,
    options: SimpleJWTOptions<U>,
    revokeTokenHash?: RevokeTokenHash,
  ) {
    this.settings = settings
    this.users = options.users
    this.tokens = options.tokens
    this.now = options.clock ?? Date.now
    this.backend = new TokenBackend(settings, keys, this.now)
    this.#revokeTokenHash = revokeTokenHash
    this.#context = {
      settings,
      backend: this.backend,
      tokens: this.tokens,
      now: this.now,
      bind: (cls) => this.bind(cls),
      revokeTokenHash: async (user) =>
        this.#requireRevokeTokenHash().hash(await this.#revocationStamp(user as U)),
    }
    this.AccessToken = this.bind(AccessToken)
    this.RefreshToken = this.bind(RefreshToken)
    this.SlidingToken = this.bind(SlidingToken)
    this.UntypedToken = this.bind(UntypedToken)
    this.#wwwAuthenticate = `${settings.authHeaderTypes[0]} realm="api"`
  }

  /** `cls` bound to this configuration (a subclass carrying it), made once per class. */
  bind<C extends TokenClass>(cls: C): C {
    if (cls.context === this.#context) return cls
    let bound = this.#bound.get(cls)
    if (bound === undefined) {
      bound = class extends (cls as TokenClass) {}
      bound.context = this.#context
      Object.defineProperty(bound, 'name', { value: cls.name })
      this.#bound.set(cls, bound)
    }
    return bound as C
  }

  requireUsers(): UserStore<U> {
    if (this.users === undefined)
      throw new ConfigurationError('This needs a UserStore (option `users`)')
    return this.users
  }

  requireTokens(): TokenStore {
    if (this.tokens === undefined)
      throw new ConfigurationError('The blacklist needs a TokenStore (option `tokens`)')
    return this.tokens
  }

  /** The TokenStore, which must have the revocation methods (`revokeUser`, ...). */
  requireRevocation(): RevocationStore {
    const tokens = this.requireTokens()
    if (!hasRevocation(tokens)) {
      throw new ConfigurationError(
        'Revoking a user needs a TokenStore with revokeUser and userRevokedAt',
      )
    }
    return tokens
  }

  /**
   * Logs a user out everywhere: every outstanding refresh and sliding token of `userId` (a
   * USER_ID_CLAIM value) is blacklisted, and any of the user's tokens issued up to now is refused
   * from then on: refresh and sliding tokens wherever they are checked, access tokens by
   * authentication with lookup. Stateless authentication does not ask the TokenStore about
   * access tokens, so there they stay valid until they expire (ACCESS_TOKEN_LIFETIME). Resolves
   * how many tokens were blacklisted.
   *
   * Tokens carry their issue time in whole seconds (`iat`), so every token of the current second
   * is refused too; the call resolves only once that second is over (within a second), so that
   * tokens issued after it are not.
   */
  async revokeUserTokens(userId: string | number): Promise<number> {
    const store = this.requireRevocation()
    const { leeway } = this.settings
    const classes = [AccessToken, RefreshToken, SlidingToken, ...this.settings.authTokenClasses]
    // No token issued before now outlives the longest lifetime.
    const longest = Math.max(
      this.settings.slidingTokenRefreshLifetime,
      ...classes.map((cls) => cls.lifetime(this.settings) ?? 0),
    )
    const at = this.now()
    const expiresAt = at + (longest + leeway) * 1000
    const count = await failClosed(() =>
      store.revokeUser(userId, new Date(at), new Date(expiresAt)),
    )
    const rest = (Math.floor(at / 1000) + 1) * 1000 - this.now()
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest))
    return count
  }

  // Token-level authentication (simplejwt's JWTAuthentication), throwing typed errors.

  /** The raw token from the configured header, null when the request carries none of ours. */
  rawToken(headers: HeaderInput): string | null {
    const parts = authorizationParts(headerValue(headers, this.settings.authHeaderName))
    if (
      parts === null ||
      parts.length === 0 ||
      !this.settings.authHeaderTypes.includes(parts[0] as string)
    )
      return null
    if (parts.length !== 2) {
      throw new AuthenticationFailed(
        message('Authorization header must contain two space-delimited values'),
        'bad_authorization_header',
      )
    }
    return parts[1] as string
  }

  /** The first of AUTH_TOKEN_CLASSES that accepts the token; else InvalidToken listing each class's reason. */
  async validatedToken(raw: string): Promise<Token> {
    return this.#validated(raw)
  }

  /**
   * validatedToken's work, as a value when no class had to wait (see `Token.decodeNow`): each
   * promise awaited costs authentication a turn of the event loop.
   */
  #validated(raw: string): Token | Promise<Token> {
    const classes = this.settings.authTokenClasses
    const messages: TokenClassMessage[] = []
    for (let i = 0; i < classes.length; i++) {
      const cls = classes[i] as TokenClass
      try {
        const token = this.#decoded(cls, raw)
        if (isThenable(token)) return this.#validatedLater(raw, i, token, messages)
        return token
      } catch (error) {
        messages.push(refusal(cls, error))
      }
    }
    throw new InvalidToken(message('Given token not valid for any token type'), { messages })
  }

  /** #validated from class `from` on, once a class had to wait for `pending`. */
  async #validatedLater(
    raw: string,
    from: number,
    pending: PromiseLike<Token>,
    messages: TokenClassMessage[],
  ): Promise<Token> {
    const classes = this.settings.authTokenClasses
    for (let i = from; i < classes.length; i++) {
      const cls = classes[i] as TokenClass
      try {
        return await (i === from ? pending : this.#decoded(cls, raw))
      } catch (error) {
        messages.push(refusal(cls, error))
      }
    }
    throw new InvalidToken(message('Given token not valid for any token type'), { messages })
  }

  /** `raw` decoded and verified by `cls`; a class that overrides `decode` is asked through it. */
  #decoded(cls: TokenClass, raw: string): Token | PromiseLike<Token> {
    const bound = this.bind(cls)
    return bound.decode === Token.decode ? bound.decodeNow(raw) : bound.decode(raw)
  }

  /** The user the token names: looked up (active users only), or a TokenUser when `stateless`. */
  async tokenUser(token: Token, options: AuthenticateOptions = {}): Promise<U | TokenUser> {
    return options.stateless ? this.#statelessUser(token) : this.#lookedUp(token)
  }

  /** tokenUser's lookup, as a value when both stores answered at once. */
  #lookedUp(token: Token): U | Promise<U> {
    const { userIdClaim, userIdField } = this.settings
    requireUserId(token, userIdClaim)
    const users = this.requireUsers()
    // The user and the user's revocation time are asked for at once.
    const user = askStore(() => users.getUser(userIdField, token.get(userIdClaim)))
    let revokedAt: Date | null | Promise<Date | null>
    try {
      revokedAt = this.#userRevokedAt(token)
    } catch (error) {
      if (isThenable(user)) user.then(undefined, () => {})
      throw error
    }
    if (isThenable(user) || isThenable(revokedAt)) {
      return Promise.all([user, revokedAt]).then(([found, at]) =>
        this.#activeUser(token, found, at),
      )
    }
    return this.#activeUser(token, user, revokedAt)
  }

  /** The looked-up user, if there is one, it is active, and its tokens were not revoked. */
  #activeUser(token: Token, user: U | null, revokedAt: Date | null): U | Promise<U> {
    if (user === null) throw new AuthenticationFailed(message('User not found'), 'user_not_found')
    if (this.settings.checkUserIsActive && user.isActive === false) {
      throw new AuthenticationFailed(message('User is inactive'), 'user_inactive')
    }
    const checking = this.#checkRevoked(token, user, revokedAt)
    return checking === undefined ? user : checking.then(() => user)
  }

  /**
   * The time the token's user was revoked at (`revokeUserTokens`), for tokens that decoding did
   * not already check against it (those not blacklistable: access tokens); else null.
   */
  #userRevokedAt(token: Token): Date | null | Promise<Date | null> {
    const { tokens } = this
    const userId = token.userId
    if ((token.constructor as TokenClass).blacklistable || userId === null) return null
    if (!hasRevocation(tokens)) return null
    return askStore(() => tokens.userRevokedAt(userId))
  }

  /**
   * Refuses a looked-up user's token whose CHECK_REVOKE_TOKEN hash no longer matches the user's
   * stamp (a password change), or which was issued before `revokedAt`. Only the first has to wait
   * for anything: without CHECK_REVOKE_TOKEN this answers at once (undefined, or it throws).
   */
  #checkRevoked(token: Token, user: U, revokedAt: Date | null): Promise<void> | undefined {
    if (this.settings.checkRevokeToken) return this.#checkRevokedAfterStamp(token, user, revokedAt)
    checkIssuedBeforeRevocation(token, revokedAt)
    return undefined
  }

  async #checkRevokedAfterStamp(token: Token, user: U, revokedAt: Date | null): Promise<void> {
    const stamp = await this.#revocationStamp(user)
    const hash = this.#requireRevokeTokenHash()
    if (!(await hash.matches(token.get(this.settings.revokeTokenClaim), stamp))) {
      throw new AuthenticationFailed(
        message("The user's password has been changed."),
        'password_changed',
      )
    }
    checkIssuedBeforeRevocation(token, revokedAt)
  }

  #revocationStamp(user: U): Promise<string | null> {
    const users = this.requireUsers()
    if (users.revocationStamp === undefined) {
      throw new ConfigurationError('CHECK_REVOKE_TOKEN needs a UserStore with revocationStamp')
    }
    const stamp = users.revocationStamp.bind(users)
    return failClosed(() => stamp(user))
  }

  #requireRevokeTokenHash(): RevokeTokenHash {
    if (this.#revokeTokenHash === undefined) {
      throw new ConfigurationError(
        'CHECK_REVOKE_TOKEN needs its hash key: make the library with createSimpleJWT',
      )
    }
    return this.#revokeTokenHash
  }

  /** The TOKEN_USER_CLASS user of a token that names a user. */
  #statelessUser(token: Token): TokenUser {
    requireUserId(token, this.settings.userIdClaim)
    return new this.settings.tokenUserClass(token) as TokenUser
  }

  // Request-level calls: plain data in, plain data out.

  /** Authenticates a request as DRF's JWTAuthentication: anonymous when it carries no token of ours. */
  async authenticate(
    request: CoreRequest,
    options: AuthenticateOptions = {},
  ): Promise<AuthOutcome<U>> {
    return this.#authenticate(request, options)
  }

  /**
   * `authenticate`, answering with a value instead of a promise when nothing had to be waited
   * for (a token verified on the calling thread or found in the verified-token cache, and stores
   * that answered at once): for adapters, as each promise awaited costs the request a turn of
   * the microtask queue. Same outcomes; calls `authenticate` when a subclass overrides it.
   */
  authenticateNow(
    request: CoreRequest,
    options: AuthenticateOptions = {},
  ): AuthOutcome<U> | Promise<AuthOutcome<U>> {
    return this.authenticate === SimpleJWT.prototype.authenticate
      ? this.#authenticate(request, options)
      : this.authenticate(request, options)
  }

  #authenticate(
    request: CoreRequest,
    options: AuthenticateOptions,
  ): AuthOutcome<U> | Promise<AuthOutcome<U>> {
    try {
      const raw = this.rawToken(request.headers)
      if (raw === null) return ANONYMOUS
      // The methods are called as they are when a subclass overrides them.
      const validated =
        this.validatedToken === SimpleJWT.prototype.validatedToken
          ? this.#validated(raw)
          : this.validatedToken(raw)
      const outcome = andThen(validated, (token) => this.#authenticated(token, options))
      return isThenable(outcome)
        ? Promise.resolve(outcome).then(undefined, (error: unknown) => this.#failed(request, error))
        : outcome
    } catch (error) {
      return this.#failed(request, error)
    }
  }

  #authenticated(
    token: Token,
    options: AuthenticateOptions,
  ): AuthOutcome<U> | Promise<AuthOutcome<U>> {
    const user =
      this.tokenUser !== SimpleJWT.prototype.tokenUser
        ? this.tokenUser(token, options)
        : options.stateless
          ? this.#statelessUser(token)
          : this.#lookedUp(token)
    return andThen(
      user,
      (found): AuthOutcome<U> => ({ status: 'authenticated', user: found, token }),
    )
  }

  #failed(request: CoreRequest, error: unknown): AuthOutcome<U> {
    // The language is negotiated only for a response that has words in it.
    const language = negotiateLanguage(headerValue(request.headers, 'accept-language'))
    return { status: 'failed', response: this.errorResponse(error, language) }
  }

  /** Authenticates and applies a permission: 401 without valid credentials, 403 when refused. */
  async authorize(
    request: CoreRequest,
    options: AuthorizeOptions<U> = {},
  ): Promise<AuthorizeResult<U>> {
    return this.#permitted(request, await this.authenticateNow(request, options), options)
  }

  /**
   * `authorize`, answering with a value when nothing had to be waited for (see
   * {@link authenticateNow}). Calls `authorize` when a subclass overrides it.
   */
  authorizeNow(
    request: CoreRequest,
    options: AuthorizeOptions<U> = {},
  ): AuthorizeResult<U> | Promise<AuthorizeResult<U>> {
    if (this.authorize !== SimpleJWT.prototype.authorize) return this.authorize(request, options)
    return andThen(this.authenticateNow(request, options), (outcome) =>
      this.#permitted(request, outcome, options),
    )
  }

  #permitted(
    request: CoreRequest,
    outcome: AuthOutcome<U>,
    options: AuthorizeOptions<U>,
  ): AuthorizeResult<U> {
    if (outcome.status === 'failed') return { ok: false, response: outcome.response }
    if (
      outcome.status === 'authenticated' &&
      permits(outcome.user, outcome.token, options.permission)
    ) {
      return { ok: true, user: outcome.user, token: outcome.token }
    }
    // The language is negotiated only for a response that has words in it.
    const language = negotiateLanguage(headerValue(request.headers, 'accept-language'))
    if (outcome.status === 'anonymous') {
      return {
        ok: false,
        response: this.#respond(
          401,
          { detail: localize(NOT_AUTHENTICATED, language) },
          language,
          true,
        ),
      }
    }
    return {
      ok: false,
      response: this.#respond(403, { detail: localize(PERMISSION_DENIED, language) }, language),
    }
  }

  /**
   * The token endpoints by path, as simplejwt's urls name them (`/token/`, `/token/refresh/`,
   * ...), for an adapter to mount under any prefix. The blacklist route without a TokenStore is
   * a ConfigurationError here, at mount time.
   */
  tokenEndpoints(options: TokenEndpointsOptions = {}): ReadonlyMap<string, Endpoint> {
    const { blacklist = this.tokens !== undefined, sliding = true } = options
    if (blacklist) this.requireTokens()
    const routes = new Map<string, Endpoint>([
      ['/token/', (r) => this.obtainTokenPair(r)],
      ['/token/refresh/', (r) => this.refreshToken(r)],
      ['/token/verify/', (r) => this.verifyToken(r)],
    ])
    if (blacklist) routes.set('/token/blacklist/', (r) => this.blacklistToken(r))
    if (sliding) {
      routes.set('/token/sliding/', (r) => this.obtainSlidingToken(r))
      routes.set('/token/sliding/refresh/', (r) => this.refreshSlidingToken(r))
    }
    return routes
  }

  /** POST {username, password} → 200 {refresh, access} (TOKEN_OBTAIN_SERIALIZER). */
  obtainTokenPair(request: CoreRequest): Promise<CoreResponse> {
    return this.handle(this.settings.tokenObtainSerializer, request)
  }

  /** POST {refresh} → 200 {access} (+ refresh when rotating) (TOKEN_REFRESH_SERIALIZER). */
  refreshToken(request: CoreRequest): Promise<CoreResponse> {
    return this.handle(this.settings.tokenRefreshSerializer, request)
  }

  /** POST {token} → 200 {} (TOKEN_VERIFY_SERIALIZER). */
  verifyToken(request: CoreRequest): Promise<CoreResponse> {
    return this.handle(this.settings.tokenVerifySerializer, request)
  }

  /** POST {refresh} → 200 {} (TOKEN_BLACKLIST_SERIALIZER). Needs a TokenStore. */
  blacklistToken(request: CoreRequest): Promise<CoreResponse> {
    return this.handle(this.settings.tokenBlacklistSerializer, request)
  }

  /** POST {username, password} → 200 {token} (SLIDING_TOKEN_OBTAIN_SERIALIZER). */
  obtainSlidingToken(request: CoreRequest): Promise<CoreResponse> {
    return this.handle(this.settings.slidingTokenObtainSerializer, request)
  }

  /** POST {token} → 200 {token} (SLIDING_TOKEN_REFRESH_SERIALIZER). */
  refreshSlidingToken(request: CoreRequest): Promise<CoreResponse> {
    return this.handle(this.settings.slidingTokenRefreshSerializer, request)
  }

  /**
   * POST (any body) → 200 {}: logs the authenticated user out everywhere (`revokeUserTokens`),
   * this request's token included. Mount it behind nothing: it authenticates the request
   * itself, with lookup unless `stateless`, and answers 401 as `authorize` does. Needs a
   * TokenStore with the revocation methods.
   */
  async logoutEverywhere(
    request: CoreRequest,
    options: AuthenticateOptions = {},
  ): Promise<CoreResponse> {
    this.requireRevocation()
    const auth = await this.authorize(request, options)
    if (!auth.ok) return auth.response
    const language = negotiateLanguage(headerValue(request.headers, 'accept-language'))
    try {
      const userId = auth.token.userId
      if (userId === null) {
        throw new InvalidToken(message('Token contained no recognizable user identification'))
      }
      await this.revokeUserTokens(userId)
      return this.#respond(200, {}, language)
    } catch (error) {
      return this.errorResponse(error, language)
    }
  }

  /** Runs a serializer as simplejwt's TokenViewBase does: fields, validate, errors as responses. */
  async handle(serializerClass: SerializerClass, request: CoreRequest): Promise<CoreResponse> {
    const language = negotiateLanguage(headerValue(request.headers, 'accept-language'))
    try {
      const serializer = new serializerClass(this as SimpleJWT, request.context)
      const attrs = readFields(request.body, serializer.fields())
      return this.#respond(200, await serializer.validate(attrs), language)
    } catch (error) {
      return this.errorResponse(error, language)
    }
  }

  /** The response for an error of this library; anything else is rethrown (a bug, not bad input). */
  errorResponse(error: unknown, language: string): CoreResponse {
    if (error instanceof AuthenticationFailed) {
      const body: Record<string, unknown> = { detail: localize(error.detail, language) }
      if (error.withCode) body['code'] = error.code
      if (error.messages !== undefined) {
        body['messages'] = error.messages.map((m) => ({
          token_class: m.tokenClass,
          token_type: m.tokenType,
          message: localize(m.message, language),
        }))
      }
      return this.#respond(401, body, language, true)
    }
    if (error instanceof TokenError) {
      return this.#respond(
        401,
        { detail: localize(error.detail, language), code: error.code },
        language,
        true,
      )
    }
    if (error instanceof ValidationError) {
      const body = Object.fromEntries(
        Object.entries(error.fields).map(([field, list]) => [
          field,
          list.map((m) => localize(m, language)),
        ]),
      )
      return this.#respond(400, body, language)
    }
    if (error instanceof StoreUnavailableError) {
      return this.#respond(
        503,
        { detail: localize(error.detail, language), code: error.code },
        language,
      )
    }
    throw error
  }

  /**
   * Parses a raw request body as DRF's parsers do (JSON, form, multipart); a body that cannot be
   * parsed gets its 400/413/415 response.
   */
  async parseBody(
    headers: HeaderInput,
    raw: Uint8Array | string | null,
  ): Promise<
    | { readonly ok: true; readonly body: unknown }
    | { readonly ok: false; readonly response: CoreResponse }
  > {
    const parsed = await parseBody(headerValue(headers, 'content-type'), raw)
    if (parsed.ok) return parsed
    const language = negotiateLanguage(headerValue(headers, 'accept-language'))
    return {
      ok: false,
      response: this.#respond(
        parsed.status,
        { detail: localize(parsed.detail, language) },
        language,
      ),
    }
  }

  /**
   * The 405 for a method a token endpoint does not serve (`GET /api/token/`), with DRF's body and
   * its `Allow` header.
   */
  methodNotAllowed(request: { readonly headers: HeaderInput }, method: string): CoreResponse {
    const language = negotiateLanguage(headerValue(request.headers, 'accept-language'))
    const detail = localize(
      message('Method "{method}" not allowed.', method.toUpperCase()),
      language,
    )
    const response = this.#respond(405, { detail }, language)
    return { ...response, headers: { ...response.headers, allow: 'POST, OPTIONS' } }
  }

  #respond(status: number, body: unknown, language: string, challenge = false): CoreResponse {
    const headers: Record<string, string> = {
      'content-language': language,
      vary: 'Accept-Language',
    }
    if (challenge) headers['www-authenticate'] = this.#wwwAuthenticate
    return { status, headers, body }
  }
}

/** A token class's refusal, for the `messages` of a 401; anything but a TokenError is rethrown. */
function refusal(cls: TokenClass, error: unknown): TokenClassMessage {
  if (!(error instanceof TokenError)) throw error
  return { tokenClass: cls.name, tokenType: cls.tokenType, message: error.detail }
}

function checkIssuedBeforeRevocation(token: Token, revokedAt: Date | null): void {
  if (issuedBeforeRevocation(token.get('iat'), revokedAt)) {
    throw new InvalidToken(message('Token is blacklisted'))
  }
}

function requireUserId(token: Token, userIdClaim: string): void {
  if (!token.has(userIdClaim)) {
    throw new InvalidToken(message('Token contained no recognizable user identification'))
  }
}

/** Whether `permission` (default `authenticated`) lets this user in. */
function permits<U extends AuthUser>(
  user: U | TokenUser,
  token: Token,
  permission: Permission<U> = 'authenticated',
): boolean {
  if (permission === 'authenticated') return true
  return permission === 'staff' ? user.isStaff === true : permission(user, token)
}

const ANONYMOUS = Object.freeze({ status: 'anonymous' as const })
const NOT_AUTHENTICATED = message('Authentication credentials were not provided.')
const PERMISSION_DENIED = message('You do not have permission to perform this action.')
