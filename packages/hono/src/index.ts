import type {
  AuthenticateOptions,
  AuthorizeOptions,
  AuthUser,
  CoreResponse,
  SimpleJWT,
  Token,
  TokenEndpointsOptions,
  TokenUser,
} from '@simplejwt/core'
import { andThen, MAX_BODY_BYTES, RawHeaders, readBody } from '@simplejwt/core/adapter'
import { type Context, type Handler, Hono, type MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

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

/** The context variables set by the middleware: `new Hono<{ Variables: SimpleJWTVariables }>()`. */
export type SimpleJWTVariables<U extends AuthUser = AuthUser> = {
  /** The authenticated user: from the UserStore, or a TokenUser when stateless. */
  user: U | TokenUser
  /** The validated token (Django REST framework's `request.auth`). */
  auth: Token
}

/** `permission`: `'authenticated'` (the default), `'staff'`, or a predicate of the user and the token. */
export type RequireAuthOptions<U extends AuthUser = AuthUser> = AuthorizeOptions<U>

/** Which token routes to serve (blacklist, sliding); see the core's `tokenEndpoints`. */
export type TokenRoutesOptions = TokenEndpointsOptions

/** Sets `user` and `auth` when the request carries a valid token; lets anonymous requests through. */
export function authenticate<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: AuthenticateOptions = {},
): MiddlewareHandler<{ Variables: Partial<SimpleJWTVariables<U>> }> {
  // Answered at once when nothing had to be waited for: no promise to wait for.
  return (c, next) =>
    andThen(
      sjwt.authenticate({ headers: requestHeaders(c) }, options),
      (outcome): ReturnType<MiddlewareHandler> => {
        if (outcome.status === 'failed') return Promise.resolve(send(c, outcome.response))
        if (outcome.status === 'authenticated') {
          c.set('user', outcome.user)
          c.set('auth', outcome.token)
        }
        return next()
      },
    )
}

/** Lets only authenticated requests through (401), whose user has the permission (403). */
export function requireAuth<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: RequireAuthOptions<U> = {},
): MiddlewareHandler<{ Variables: SimpleJWTVariables<U> }> {
  return (c, next) =>
    andThen(
      sjwt.authorize({ headers: requestHeaders(c) }, options),
      (result): ReturnType<MiddlewareHandler> => {
        if (!result.ok) return Promise.resolve(send(c, result.response))
        c.set('user', result.user)
        c.set('auth', result.token)
        return next()
      },
    )
}

/**
 * `handler` behind `requireAuth`, as one handler instead of two: a route of one handler that
 * answers at once keeps Hono's synchronous path (on Node, no promise for the request at all),
 * which a middleware in front of it always loses. `app.get(path, protect(sjwt, (c) => ...))`.
 */
export function protect<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  handler: (c: Context<{ Variables: SimpleJWTVariables<U> }>) => Response | Promise<Response>,
  options: RequireAuthOptions<U> = {},
): Handler<{ Variables: SimpleJWTVariables<U> }> {
  return (c) =>
    andThen(sjwt.authorize({ headers: requestHeaders(c) }, options), (result) => {
      if (!result.ok) return send(c, result.response)
      c.set('user', result.user)
      c.set('auth', result.token)
      return handler(c)
    })
}

/** The token endpoints, for `app.route('/api', tokenRoutes(sjwt))`: `POST /api/token/`, ... */
export function tokenRoutes<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: TokenRoutesOptions = {},
): Hono {
  const app = new Hono()
  const router = sjwt.tokenRouter(options)
  for (const path of router.paths) {
    app.all(path, async (c, next) => {
      const route = router.routeFor(c.req.method, path)
      if (route === null) return next()
      const headers = requestHeaders(c)
      const response = await route({
        headers,
        readBody: () => bodyOf(c, headers),
        context: { request: c.req.raw },
      })
      return send(c, response)
    })
  }
  return app
}

/**
 * A body of a stated length within the limit (the usual), or read before (by a validator, say,
 * and cached by Hono), read whole; any other read keeping only what the core needs to answer 413.
 */
async function bodyOf(c: Context, headers: RawHeaders | Headers): Promise<Uint8Array> {
  const { raw } = c.req
  const length = Number(headers.get('content-length') ?? Number.NaN)
  if (raw.bodyUsed || (length >= 0 && length <= MAX_BODY_BYTES)) {
    return new Uint8Array(await c.req.arrayBuffer())
  }
  return raw.body === null
    ? new Uint8Array()
    : readBody(raw.body as unknown as AsyncIterable<Uint8Array>)
}

/**
 * The request's headers for the core: on Node (@hono/node-server), read from Node's raw list, so a
 * repeated header is joined as Django joins it (and no Fetch `Headers` is built); elsewhere the
 * Fetch `Headers`, which join it with ", ". Hand these to any core call of your own routes.
 */
export function requestHeaders(c: Context): RawHeaders | Headers {
  const incoming = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming
  const list = incoming?.rawHeaders
  return Array.isArray(list) ? new RawHeaders(list) : c.req.raw.headers
}

/** A response of the core (`sjwt.authorize(...).response`, say) as Hono's JSON response. */
export function send(c: Context, { status, headers, body }: CoreResponse): Response {
  return c.json(body as object, status as ContentfulStatusCode, headers)
}
