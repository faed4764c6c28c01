import type {
  AuthenticateOptions,
  AuthorizeOptions,
  AuthUser,
  CoreResponse,
  HeaderInput,
  RouteHandler,
  SimpleJWT,
  Token,
  TokenRouterOptions,
  TokenUser,
} from '@simplejwt/core'
import { andThen, nodeHeaders, readBody } from '@simplejwt/core/adapter'
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

/**
 * Which token routes to serve (blacklist, sliding; see the core's `tokenEndpoints`), and where:
 * `prefix`, e.g. `'/api'` for `POST /api/token/`.
 */
export type TokenRoutesOptions = TokenRouterOptions

/** Sets `ctx.state.user` and `ctx.state.auth` when the request carries a valid token; lets anonymous requests through. */
export function authenticate<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: AuthenticateOptions = {},
): Middleware<Partial<SimpleJWTState<U>>> {
  // Answered at once when nothing had to be waited for: no promise to wait for.
  return (ctx, next) =>
    andThen(sjwt.authenticate({ headers: nodeHeaders(ctx.req) }, options), (outcome) => {
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
    andThen(sjwt.authorize({ headers: nodeHeaders(ctx.req) }, options), (result) => {
      if (!result.ok) return send(ctx, result.response)
      ctx.state.user = result.user
      ctx.state.auth = result.token
      return next()
    })
}

/** The token endpoints, for `app.use(tokenRoutes(sjwt, { prefix: '/api' }))`: `POST /api/token/`, ... */
export function tokenRoutes<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: TokenRoutesOptions = {},
): Middleware {
  const router = sjwt.tokenRouter(options)
  // In front of the app's routes, this runs on every request: a request that is not for a token
  // route goes on at once, with no promise of its own.
  return (ctx, next) => {
    const route = router.routeFor(ctx.method, ctx.path)
    return route === null ? next() : answer(ctx, route)
  }
}

async function answer(ctx: ParameterizedContext, route: RouteHandler): Promise<void> {
  const response = await route({
    headers: nodeHeaders(ctx.req),
    // A body parser that ran before has consumed the stream and left its result in ctx.request.body.
    readBody: () =>
      ctx.req.readableEnded
        ? { parsed: (ctx.request as { body?: unknown }).body }
        : readBody(ctx.req),
    context: { request: ctx },
  })
  send(ctx, response)
}

/**
 * The request's headers for the core, read from Node's raw list: a header sent twice is joined by
 * a comma, as Django joins it. Hand these, not `ctx.headers`, to any core call of your own routes.
 */
export function requestHeaders(ctx: ParameterizedContext): HeaderInput {
  return nodeHeaders(ctx.req)
}

/** Writes a response of the core (`sjwt.authorize(...).response`, say) as JSON. */
export function send(ctx: ParameterizedContext, { status, headers, body }: CoreResponse): void {
  ctx.status = status
  ctx.set(headers)
  ctx.body = body
}
