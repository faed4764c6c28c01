import {
  type AuthenticateOptions,
  type AuthUser,
  type CoreResponse,
  type Permission,
  readBody,
  type SimpleJWT,
  type Token,
  type TokenEndpointsOptions,
  type TokenUser,
} from '@simplejwt/core'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
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

export interface RequireAuthOptions<U extends AuthUser = AuthUser> extends AuthenticateOptions {
  /** `'authenticated'` (the default), `'staff'`, or a predicate of the user and the token. */
  readonly permission?: Permission<U>
}

/** Which token routes to serve (blacklist, sliding); see the core's `tokenEndpoints`. */
export type TokenRoutesOptions = TokenEndpointsOptions

/** Sets `user` and `auth` when the request carries a valid token; lets anonymous requests through. */
export function authenticate<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: AuthenticateOptions = {},
): MiddlewareHandler<{ Variables: Partial<SimpleJWTVariables<U>> }> {
  return async (c, next) => {
    const outcome = await sjwt.authenticate({ headers: c.req.raw.headers }, options)
    if (outcome.status === 'failed') return send(c, outcome.response)
    if (outcome.status === 'authenticated') {
      c.set('user', outcome.user)
      c.set('auth', outcome.token)
    }
    return next()
  }
}

/** Lets only authenticated requests through (401), whose user has the permission (403). */
export function requireAuth<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: RequireAuthOptions<U> = {},
): MiddlewareHandler<{ Variables: SimpleJWTVariables<U> }> {
  return async (c, next) => {
    const result = await sjwt.authorize({ headers: c.req.raw.headers }, options)
    if (!result.ok) return send(c, result.response)
    c.set('user', result.user)
    c.set('auth', result.token)
    return next()
  }
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
      // A body read before (by a validator, say) is cached by Hono; else it is read here.
      const bytes =
        raw.bodyUsed || raw.body === null
          ? new Uint8Array(await c.req.arrayBuffer())
          : await readBody(raw.body as unknown as AsyncIterable<Uint8Array>)
      const parsed = await sjwt.parseBody(raw.headers, bytes)
      if (!parsed.ok) return send(c, parsed.response)
      const request = { headers: raw.headers, body: parsed.body, context: { request: raw } }
      return send(c, await endpoint(request))
    })
    // OPTIONS is left to the app (CORS); other methods get DRF's 405.
    app.on(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'], path, (c) =>
      send(c, sjwt.methodNotAllowed({ headers: c.req.raw.headers }, c.req.method)),
    )
  }
  return app
}

function send(c: Context, { status, headers, body }: CoreResponse): Response {
  return c.json(body as object, status as ContentfulStatusCode, headers)
}
