import {
  type AuthenticateOptions,
  type AuthorizeOptions,
  type AuthUser,
  andThen,
  type CoreResponse,
  nodeHeaders,
  readBody,
  type SimpleJWT,
  type Token,
  type TokenEndpointsOptions,
  type TokenUser,
} from '@simplejwt/core'
import type { Middleware, ParameterizedContext } from 'koa'

export {
  AuthenticationFailed,
  type AuthUser,
  ConfigurationError,
  type CoreResponse,
  InvalidToken,
  type Permission,
  type SimpleJWT,
  SimpleJWTError,
  StoreUnavailableError,
  Token,
  TokenError,
  TokenUser,
  ValidationError,
} from '@simplejwt/core'

/** What the middleware sets in `ctx.state`. */
export type SimpleJWTState<U extends AuthUser = AuthUser> = {
  /** The authenticated user: from the UserStore, or a TokenUser when stateless. */
  user: U | TokenUser
  /** The validated token (Django REST framework's `request.auth`). */
  auth: Token
}

/** `permission`: `'authenticated'` (the default), `'staff'`, or a predicate of the user and the token. */
export type RequireAuthOptions<U extends AuthUser = AuthUser> = AuthorizeOptions<U>

/** Which token routes to serve (blacklist, sliding; see the core's `tokenEndpoints`), and where. */
export interface TokenRoutesOptions extends TokenEndpointsOptions {
  /** The path the routes are served under, e.g. `'/api'` for `POST /api/token/`. Default `''`. */
  readonly prefix?: string
}

/** Sets `ctx.state.user` and `ctx.state.auth` when the request carries a valid token; lets anonymous requests through. */
export function authenticate<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: AuthenticateOptions = {},
): Middleware<Partial<SimpleJWTState<U>>> {
  // Answered at once when nothing had to be waited for: no promise to wait for.
  return (ctx, next) =>
    andThen(sjwt.authenticateNow({ headers: nodeHeaders(ctx.req) }, options), (outcome) => {
      if (outcome.status === 'failed') return send(ctx, outcome.response)
      if (outcome.status === 'authenticated') {
        ctx.state.user = outcome.user
        ctx.state.auth = outcome.token
      }
      return next()
    })
}

/** Lets only authenticated requests through (401), whose user has the permission (403). */
export function requireAuth<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: RequireAuthOptions<U> = {},
): Middleware<SimpleJWTState<U>> {
  return (ctx, next) =>
    andThen(sjwt.authorizeNow({ headers: nodeHeaders(ctx.req) }, options), (result) => {
      if (!result.ok) return send(ctx, result.response)
      ctx.state.user = result.user
      ctx.state.auth = result.token
      return next()
    })
}

/** The token endpoints, for `app.use(tokenRoutes(sjwt, { prefix: '/api' }))`: `POST /api/token/`, ... */
export function tokenRoutes<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  { prefix = '', ...options }: TokenRoutesOptions = {},
): Middleware {
  const routes = new Map(
    [...sjwt.tokenEndpoints(options)].map(([path, endpoint]) => [prefix + path, endpoint]),
  )
  return async (ctx, next) => {
    const endpoint = routes.get(ctx.path)
    // OPTIONS is left to the app (CORS); other methods get DRF's 405.
    if (endpoint === undefined || ctx.method === 'OPTIONS') return next()
    const headers = nodeHeaders(ctx.req)
    if (ctx.method !== 'POST') return send(ctx, sjwt.methodNotAllowed({ headers }, ctx.method))
    // A body parser that ran before has consumed the stream and left its result in ctx.request.body.
    const parsed = ctx.req.readableEnded
      ? { ok: true as const, body: (ctx.request as { body?: unknown }).body }
      : await sjwt.parseBody(headers, await readBody(ctx.req))
    if (!parsed.ok) return send(ctx, parsed.response)
    const request = { headers, body: parsed.body, context: { request: ctx } }
    send(ctx, await endpoint(request))
  }
}

function send(ctx: ParameterizedContext, { status, headers, body }: CoreResponse): void {
  ctx.status = status
  ctx.set(headers)
  ctx.body = body
}
