export const FRAMEWORKS = ['express', 'hono', 'koa'] as const
export type Framework = (typeof FRAMEWORKS)[number]

/** The routes every framework serves: the contract's protected view five ways, and two endpoints. */
export const ROUTES = {
  /** The view, unprotected. */
  plain: '/plain/view/',
  /**
   * The view behind a middleware that does nothing but pass the request on: what any middleware
   * costs on the framework (on Hono, a chain of two handlers is asynchronous where one is not).
   */
  passThrough: '/pass-through/view/',
  /** The contract's protected view: `requireAuth(sjwt)`, user looked up, default settings. */
  simplejwt: '/simplejwt/view/',
  /** The same view as one handler wrapped by `protect(sjwt, view)` (Hono only). */
  simplejwtHandler: '/simplejwt-protect/view/',
  /** The same with VERIFIED_TOKEN_CACHE off. */
  simplejwtNoCache: '/simplejwt-no-cache/view/',
  /** The view behind the framework's own JWT middleware (express-jwt, koa-jwt, hono/jwt). */
  native: '/native/view/',
  /** The obtain endpoint, posted wrong passwords by the login flood. */
  obtain: '/api/token/',
  refresh: '/api/token/refresh/',
  verify: '/api/token/verify/',
  /** The server's `process.cpuUsage()`, read before and after each load. */
  cpu: '/bench/cpu/',
} as const
