import {
  type AuthenticateOptions,
  type AuthorizeOptions,
  type AuthUser,
  andThen,
  type CoreResponse,
  MAX_BODY_BYTES,
  RawHeaders,
  readBody,
  type SimpleJWT,
  type Token,
  type TokenEndpointsOptions,
  type TokenUser,
} from '@simplejwt/core'
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
      sjwt.authenticateNow({ headers: headersOf(c) }, options),
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
      sjwt.authorizeNow({ headers: headersOf(c) }, options),
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
    andThen(sjwt.authorizeNow({ headers: headersOf(c) }, options), (result) => {
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
  for (const [path, endpoint] of sjwt.tokenEndpoints(options)) {
    app.post(path, async (c) => {
      const { raw } = c.req
      const headers = headersOf(c)
      // A body of a stated length within the limit (the usual), or read before (by a validator,
      // say, and cached by Hono), is read whole; any other is read keeping only what
      // `parseBody` needs to answer 413.
      const length = Number(headers.get('content-length') ?? Number.NaN)
      const bytes =
        raw.bodyUsed || (length >= 0 && length <= MAX_BODY_BYTES)
          ? new Uint8Array(await c.req.arrayBuffer())
          : raw.body === null
            ? new Uint8Array()
            : await readBody(raw.body as unknown as AsyncIterable<Uint8Array>)
      const parsed = await sjwt.parseBody(headers, bytes)
      if (!parsed.ok) return send(c, parsed.response)
      const request = { headers, body: parsed.body, context: { request: raw } }
      return send(c, await endpoint(request))
    })
    // OPTIONS is left to the app (CORS); other methods get DRF's 405.
    app.on(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'], path, (c) =>
      send(c, sjwt.methodNotAllowed({ headers: headersOf(c) }, c.req.method)),
    )
  }
  return app
}

/**
 * The request's headers: on Node (@hono/node-server), read from Node's raw list, so a repeated
 * header is joined as Django joins it (and no Fetch `Headers` is built); elsewhere the Fetch
 * `Headers`, which join it with ", ".
 */
function headersOf(c: Context): RawHeaders | Headers {
  const incoming = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming
  const list = incoming?.rawHeaders
  return Array.isArray(list) ? new RawHeaders(list) : c.req.raw.headers
}

function send(c: Context, { status, headers, body }: CoreResponse): Response {
  return c.json(body as object, status as ContentfulStatusCode, headers)
}
