import type {
  AuthenticateOptions,
  AuthorizeOptions,
  AuthUser,
  CoreResponse,
  HeaderInput,
  SimpleJWT,
  Token,
  TokenEndpointsOptions,
} from '@simplejwt/core'
import { andThen, nodeHeaders, readBody } from '@simplejwt/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

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

declare global {
  namespace Express {
    /** The authenticated user: from the UserStore, or a TokenUser when stateless. Merge your fields in. */
    interface User extends AuthUser {}
    interface Request {
      /** Set by `authenticate` and `requireAuth`. */
      user?: User | undefined
      /** The validated token (Django REST framework's `request.auth`). */
      auth?: Token | undefined
    }
  }
}

/** `permission`: `'authenticated'` (the default), `'staff'`, or a predicate of the user and the token. */
export type RequireAuthOptions<U extends AuthUser = AuthUser> = AuthorizeOptions<U>

/** Which token routes to serve (blacklist, sliding); see the core's `tokenEndpoints`. */
export type TokenRoutesOptions = TokenEndpointsOptions

/** Sets `req.user` and `req.auth` when the request carries a valid token; lets anonymous requests through. */
export function authenticate<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: AuthenticateOptions = {},
): RequestHandler {
  // Answered at once when nothing had to be waited for: the route goes on in the same turn.
  return handler((req, res, next) =>
    andThen(sjwt.authenticate({ headers: nodeHeaders(req) }, options), (outcome) => {
      if (outcome.status === 'failed') return send(res, outcome.response)
      if (outcome.status === 'authenticated') {
        req.user = outcome.user as Express.User
        req.auth = outcome.token
      }
      next()
    }),
  )
}

/** Lets only authenticated requests through (401), whose user has the permission (403). */
export function requireAuth<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: RequireAuthOptions<U> = {},
): RequestHandler {
  return handler((req, res, next) =>
    andThen(sjwt.authorize({ headers: nodeHeaders(req) }, options), (result) => {
      if (!result.ok) return send(res, result.response)
      req.user = result.user as Express.User
      req.auth = result.token
      next()
    }),
  )
}

/** The token endpoints, for `app.use('/api', tokenRoutes(sjwt))`: `POST /api/token/`, ... */
export function tokenRoutes<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: TokenRoutesOptions = {},
): RequestHandler {
  const router = sjwt.tokenRouter(options)
  // Mounted in front of the app's routes, this runs on every request under its path: a request
  // that is not for a token route goes on at once, with no promise made for it.
  return (req, res, next) => {
    const route = router.routeFor(req.method, req.path)
    if (route === null) return next()
    route({
      headers: nodeHeaders(req),
      // A body parser that ran before has consumed the stream and left its result in req.body.
      readBody: () => (req.readableEnded ? { parsed: req.body as unknown } : readBody(req)),
      context: { request: req },
    }).then((response) => send(res, response), next)
  }
}

/**
 * The request's headers for the core, read from Node's raw list: a header sent twice is joined by
 * a comma, as Django joins it. Hand these, not `req.headers`, to any core call of your own routes.
 */
export function requestHeaders(req: Request): HeaderInput {
  return nodeHeaders(req)
}

/** Writes a response of the core (`sjwt.authorize(...).response`, say) as JSON. */
export function send(res: Response, { status, headers, body }: CoreResponse): void {
  res.status(status).set(headers).json(body)
}

/**
 * A handler that answers at once or with a promise, whose rejection goes to the error handlers:
 * Express 4 does not pass a rejected promise on to them; Express 5 would.
 */
function handler(
  fn: (req: Request, res: Response, next: NextFunction) => void | Promise<void>,
): RequestHandler {
  return (req, res, next) => {
    const done = fn(req, res, next)
    if (done instanceof Promise) done.catch(next)
  }
}
