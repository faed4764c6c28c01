import type {
  AuthenticateOptions,
  AuthOutcome,
  AuthorizeOptions,
  AuthorizeResult,
  AuthRequest,
} from './authentication'
import * as authentication from './authentication'
import { ConfigurationError } from './errors'
import { TokenBackend } from './lib/backend'
import type { HeaderInput } from './lib/headers'
import { type PreparedKeys, prepareKeys } from './lib/keys'
import { RevokeTokenHash } from './lib/revocation'
import type { CoreResponse } from './responses'
import * as responses from './responses'
import * as revocation from './revocation'
import {
  type SerializerClass,
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
  RefreshToken,
  SlidingToken,
  type Token,
  type TokenClass,
  type TokenContext,
  TokenUser,
  UntypedToken,
} from './tokens'
import type {
  CoreRequest,
  Endpoint,
  TokenEndpointsOptions,
  TokenRouter,
  TokenRouterOptions,
} from './views'
import * as views from './views'

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

/**
 * The configured library: bound token classes, authentication and the token endpoints. Each
 * behaviour lives in the module a simplejwt user would look in (authentication, views,
 * revocation, responses); these methods are the one entry point to them, and a subclass may
 * override any of them.
 */
export class SimpleJWT<U extends AuthUser = AuthUser> {
  readonly settings: ResolvedSettings
  readonly users: UserStore<U> | undefined
  readonly tokens: TokenStore | undefined
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly backend: TokenBackend
  /** CHECK_REVOKE_TOKEN's keyed hash (its key derived from SIGNING_KEY, never extractable). */
  readonly revokeTokenHash: RevokeTokenHash | undefined
  readonly AccessToken: typeof AccessToken
  readonly RefreshToken: typeof RefreshToken
  readonly SlidingToken: typeof SlidingToken
  readonly UntypedToken: typeof UntypedToken
  readonly #context: TokenContext
  readonly #bound = new Map<TokenClass, TokenClass>()

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
    this.revokeTokenHash = revokeTokenHash
    this.#context = {
      settings,
      backend: this.backend,
      tokens: this.tokens,
      now: this.now,
      bind: (cls) => this.bind(cls),
      revokeTokenHash: (user) => revocation.revokeTokenClaim(this, user as U),
    }
    this.AccessToken = this.bind(AccessToken)
    this.RefreshToken = this.bind(RefreshToken)
    this.SlidingToken = this.bind(SlidingToken)
    this.UntypedToken = this.bind(UntypedToken)
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
  revokeUserTokens(userId: string | number): Promise<number> {
    return revocation.revokeUserTokens(this, userId)
  }

  // Authentication (simplejwt's JWTAuthentication). Each answers with a value when nothing had
  // to be waited for and with a promise otherwise: `await` it either way. Adapters use the
  // value at once, so that a request goes on in the same turn of the event loop.

  /** The raw token from the configured header, null when the request carries none of ours. */
  rawToken(headers: HeaderInput): string | null {
    return authentication.rawToken(this.settings, headers)
  }

  /**
   * The first of AUTH_TOKEN_CLASSES that accepts the token; else InvalidToken listing each
   * class's reason (thrown when found at once, rejected when found later).
   */
  validatedToken(raw: string): Token | Promise<Token> {
    return authentication.validatedToken(this, raw)
  }

  /** The user the token names: looked up (active users only), or a TokenUser when `stateless`. */
  tokenUser(
    token: Token,
    options: AuthenticateOptions = {},
  ): U | TokenUser | Promise<U | TokenUser> {
    return authentication.tokenUser(this, token, options)
  }

  /**
   * Authenticates a request as DRF's JWTAuthentication: anonymous when it carries no token of
   * ours, `failed` with its response when the token or user is refused.
   */
  authenticate(
    request: AuthRequest,
    options: AuthenticateOptions = {},
  ): AuthOutcome<U> | Promise<AuthOutcome<U>> {
    return authentication.authenticate(this, request, options)
  }

  /** Authenticates and applies a permission: 401 without valid credentials, 403 when refused. */
  authorize(
    request: AuthRequest,
    options: AuthorizeOptions<U> = {},
  ): AuthorizeResult<U> | Promise<AuthorizeResult<U>> {
    return authentication.authorize(this, request, options)
  }

  // The token endpoints (simplejwt's views): plain data in, plain data out.

  /**
   * The token endpoints by path, as simplejwt's urls name them (`/token/`, `/token/refresh/`,
   * ...), for an adapter to mount under any prefix. The blacklist route without a TokenStore is
   * a ConfigurationError here, at mount time.
   */
  tokenEndpoints(options: TokenEndpointsOptions = {}): ReadonlyMap<string, Endpoint> {
    return views.tokenEndpoints(this, options)
  }

  /**
   * The token routes for an adapter: for a method and a path, the handler that answers it (the
   * endpoint for POST, DRF's 405 for other methods) or null (not a token route, or OPTIONS).
   */
  tokenRouter(options: TokenRouterOptions = {}): TokenRouter {
    return views.tokenRouter(this, options)
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
  logoutEverywhere(request: CoreRequest, options: AuthenticateOptions = {}): Promise<CoreResponse> {
    return views.logoutEverywhere(this, request, options)
  }

  /** Runs a serializer as simplejwt's TokenViewBase does: fields, validate, errors as responses. */
  handle(serializerClass: SerializerClass, request: CoreRequest): Promise<CoreResponse> {
    return views.handle(this, serializerClass, request)
  }

  /** The response for an error of this library; anything else is rethrown (a bug, not bad input). */
  errorResponse(error: unknown, language: string): CoreResponse {
    return responses.errorResponse(this.settings, error, language)
  }

  /**
   * Parses a raw request body as DRF's parsers do (JSON, form, multipart); a body that cannot be
   * parsed gets its 400/413/415 response.
   */
  parseBody(
    headers: HeaderInput,
    raw: Uint8Array | string | null,
  ): Promise<
    | { readonly ok: true; readonly body: unknown }
    | { readonly ok: false; readonly response: CoreResponse }
  > {
    return views.parseRequestBody(this, headers, raw)
  }

  /**
   * The 405 for a method a token endpoint does not serve (`GET /api/token/`), with DRF's body and
   * its `Allow` header.
   */
  methodNotAllowed(request: { readonly headers: HeaderInput }, method: string): CoreResponse {
    return responses.methodNotAllowed(this.settings, request.headers, method)
  }
}
