/**
 * From a request to a user, as simplejwt's `JWTAuthentication` and `JWTStatelessUserAuthentication`
 * do it: the raw token from the header, the first of AUTH_TOKEN_CLASSES that accepts it, the user
 * it names (looked up, or a TokenUser), and Django REST framework's permission check on top.
 *
 * Each step answers with a value when nothing had to be waited for (a token verified on the
 * calling thread or found in the verified-token cache, stores that answered at once) and with a
 * promise otherwise: each promise awaited costs a request a turn of the event loop.
 */
import {
  AuthenticationFailed,
  InvalidToken,
  message,
  type TokenClassMessage,
  TokenError,
} from './errors'
import { andThen, isThenable } from './lib/awaitable'
import { askStore } from './lib/fail-closed'
import { authorizationParts, type HeaderInput, headerValue } from './lib/headers'
import {
  type CoreResponse,
  detailResponse,
  languageOf,
  NOT_AUTHENTICATED,
  PERMISSION_DENIED,
} from './responses'
import { checkRevoked, userRevokedAt } from './revocation'
import type { ResolvedSettings } from './settings'
import type { SimpleJWT } from './simplejwt'
import type { AuthUser } from './stores'
import type { Token, TokenClass, TokenUser } from './tokens'

/** What authentication reads of a request: its headers (names case-insensitive). */
export interface AuthRequest {
  readonly headers: HeaderInput
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

/** The raw token from the configured header; null when the request carries none of ours. */
export function rawToken(settings: ResolvedSettings, headers: HeaderInput): string | null {
  const parts = authorizationParts(headerValue(headers, settings.authHeaderName))
  if (
    parts === null ||
    parts.length === 0 ||
    !settings.authHeaderTypes.includes(parts[0] as string)
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

/**
 * The first of AUTH_TOKEN_CLASSES that accepts the token; else InvalidToken listing each class's
 * reason. A refusal found at once is thrown, one found later rejects.
 */
export function validatedToken<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  raw: string,
): Token | Promise<Token> {
  const classes = sjwt.settings.authTokenClasses
  const messages: TokenClassMessage[] = []
  for (let i = 0; i < classes.length; i++) {
    const cls = classes[i] as TokenClass
    try {
      const token = sjwt.bind(cls).decode(raw)
      return isThenable(token) ? validatedLater(sjwt, raw, i, token, messages) : token
    } catch (error) {
      messages.push(refusal(cls, error))
    }
  }
  throw noValidType(messages)
}

/** validatedToken from class `from` on, once that class had to wait for `pending`. */
async function validatedLater<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  raw: string,
  from: number,
  pending: PromiseLike<Token>,
  messages: TokenClassMessage[],
): Promise<Token> {
  const classes = sjwt.settings.authTokenClasses
  for (let i = from; i < classes.length; i++) {
    const cls = classes[i] as TokenClass
    try {
      return await (i === from ? pending : sjwt.bind(cls).decode(raw))
    } catch (error) {
      messages.push(refusal(cls, error))
    }
  }
  throw noValidType(messages)
}

/**
 * The user the token names: looked up (active users whose tokens were not revoked), or the
 * TOKEN_USER_CLASS user when `stateless`. A refusal found at once is thrown, one found later
 * rejects.
 */
export function tokenUser<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  token: Token,
  options: AuthenticateOptions = {},
): U | TokenUser | Promise<U | TokenUser> {
  requireUserId(token, sjwt.settings.userIdClaim)
  if (options.stateless) return new sjwt.settings.tokenUserClass(token) as TokenUser
  return lookedUp(sjwt, token)
}

/** The looked-up user; asks for the user and the user's revocation time at once. */
function lookedUp<U extends AuthUser>(sjwt: SimpleJWT<U>, token: Token): U | Promise<U> {
  const { userIdClaim, userIdField } = sjwt.settings
  const users = sjwt.requireUsers()
  const user = askStore(() => users.getUser(userIdField, token.get(userIdClaim)))
  let revokedAt: Date | null | Promise<Date | null>
  try {
    revokedAt = userRevokedAt(sjwt, token)
  } catch (error) {
    if (isThenable(user)) user.then(undefined, () => {})
    throw error
  }
  if (isThenable(user) || isThenable(revokedAt)) {
    return Promise.all([user, revokedAt]).then(([found, at]) => activeUser(sjwt, token, found, at))
  }
  return activeUser(sjwt, token, user, revokedAt)
}

/** The looked-up user, if there is one, it is active, and its tokens were not revoked. */
function activeUser<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  token: Token,
  user: U | null,
  revokedAt: Date | null,
): U | Promise<U> {
  if (user === null) throw new AuthenticationFailed(message('User not found'), 'user_not_found')
  if (sjwt.settings.checkUserIsActive && user.isActive === false) {
    throw new AuthenticationFailed(message('User is inactive'), 'user_inactive')
  }
  const checking = checkRevoked(sjwt, token, user, revokedAt)
  return checking === undefined ? user : checking.then(() => user)
}

/**
 * Authenticates a request as DRF's JWTAuthentication: anonymous when it carries no token of ours,
 * failed (with its 401 or 503 response) when it carries a bad one. The steps are the library's
 * own overridable methods (`rawToken`, `validatedToken`, `tokenUser`).
 */
export function authenticate<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  request: AuthRequest,
  options: AuthenticateOptions = {},
): AuthOutcome<U> | Promise<AuthOutcome<U>> {
  try {
    const raw = sjwt.rawToken(request.headers)
    if (raw === null) return ANONYMOUS
    const outcome = andThen(sjwt.validatedToken(raw), (token) =>
      andThen(
        sjwt.tokenUser(token, options),
        (user): AuthOutcome<U> => ({ status: 'authenticated', user, token }),
      ),
    )
    if (!isThenable(outcome)) return outcome
    return outcome.then(undefined, (error: unknown) => failed(sjwt, request, error))
  } catch (error) {
    return failed(sjwt, request, error)
  }
}

function failed<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  request: AuthRequest,
  error: unknown,
): AuthOutcome<U> {
  // The language is negotiated only for a response that has words in it.
  return { status: 'failed', response: sjwt.errorResponse(error, languageOf(request.headers)) }
}

/** Authenticates (`sjwt.authenticate`) and applies a permission: 401 without valid credentials, 403 when refused. */
export function authorize<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  request: AuthRequest,
  options: AuthorizeOptions<U> = {},
): AuthorizeResult<U> | Promise<AuthorizeResult<U>> {
  return andThen(sjwt.authenticate(request, options), (outcome): AuthorizeResult<U> => {
    if (outcome.status === 'failed') return { ok: false, response: outcome.response }
    if (
      outcome.status === 'authenticated' &&
      permits(outcome.user, outcome.token, options.permission)
    ) {
      return { ok: true, user: outcome.user, token: outcome.token }
    }
    const refused = outcome.status === 'anonymous' ? NOT_AUTHENTICATED : PERMISSION_DENIED
    const status = outcome.status === 'anonymous' ? 401 : 403
    return { ok: false, response: detailResponse(sjwt.settings, request.headers, status, refused) }
  })
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

/** A token class's refusal, for the `messages` of a 401; anything but a TokenError is rethrown. */
function refusal(cls: TokenClass, error: unknown): TokenClassMessage {
  if (!(error instanceof TokenError)) throw error
  return { tokenClass: cls.name, tokenType: cls.tokenType, message: error.detail }
}

function noValidType(messages: TokenClassMessage[]): InvalidToken {
  return new InvalidToken(message('Given token not valid for any token type'), { messages })
}

function requireUserId(token: Token, userIdClaim: string): void {
  if (!token.has(userIdClaim)) {
    throw new InvalidToken(message('Token contained no recognizable user identification'))
  }
}

const ANONYMOUS = Object.freeze({ status: 'anonymous' as const })
