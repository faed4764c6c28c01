/**
 * The token endpoints as simplejwt's views serve them (`TokenViewBase.post`: the serializer's
 * fields, `validate`, errors as responses), which paths they answer, and what a request to one of
 * those paths gets: the endpoint for POST, DRF's 405 for other methods, nothing for OPTIONS.
 */
import type { AuthenticateOptions } from './authentication'
import { InvalidToken, message } from './errors'
import type { Awaitable } from './lib/awaitable'
import { parseBody } from './lib/body'
import { type HeaderInput, headerValue } from './lib/headers'
import {
  type CoreResponse,
  detailResponse,
  languageOf,
  methodNotAllowed,
  respond,
} from './responses'
import { readFields, type SerializerClass, type SerializerContext } from './serializers'
import type { SimpleJWT } from './simplejwt'
import type { AuthUser } from './stores'

/** A request as the core sees it: headers (names case-insensitive) and the parsed body. */
export interface CoreRequest {
  readonly headers: HeaderInput
  /** The body as a JSON value or form fields; `undefined` when there is none. */
  readonly body?: unknown
  /** Passed on to serializers (and so to `UserStore.authenticate` through subclasses). */
  readonly context?: SerializerContext | undefined
}

/** One token endpoint, request in, response out. */
export type Endpoint = (request: CoreRequest) => Promise<CoreResponse>

export interface TokenEndpointsOptions {
  /** Serve `/token/blacklist/`. Default: when a TokenStore is configured (required when true). */
  readonly blacklist?: boolean
  /** Serve `/token/sliding/` and `/token/sliding/refresh/`. Default true. */
  readonly sliding?: boolean
}

/**
 * The token endpoints by path, as simplejwt's urls name them (`/token/`, `/token/refresh/`, ...).
 * The blacklist route without a TokenStore is a ConfigurationError here, at mount time.
 */
export function tokenEndpoints<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  options: TokenEndpointsOptions = {},
): ReadonlyMap<string, Endpoint> {
  const { blacklist = sjwt.tokens !== undefined, sliding = true } = options
  if (blacklist) sjwt.requireTokens()
  const routes = new Map<string, Endpoint>([
    ['/token/', (r) => sjwt.obtainTokenPair(r)],
    ['/token/refresh/', (r) => sjwt.refreshToken(r)],
    ['/token/verify/', (r) => sjwt.verifyToken(r)],
  ])
  if (blacklist) routes.set('/token/blacklist/', (r) => sjwt.blacklistToken(r))
  if (sliding) {
    routes.set('/token/sliding/', (r) => sjwt.obtainSlidingToken(r))
    routes.set('/token/sliding/refresh/', (r) => sjwt.refreshSlidingToken(r))
  }
  return routes
}

export interface TokenRouterOptions extends TokenEndpointsOptions {
  /** Put before every path, e.g. `'/api'` for `POST /api/token/`. Default `''`. */
  readonly prefix?: string
}

/** The raw body of a request, read only when an endpoint needs it. */
export type BodyReader = () => Awaitable<
  /** Bytes or text to parse as DRF's parsers do, or a body a body parser has already parsed. */
  Uint8Array | string | null | { readonly parsed: unknown }
>

/** A request to a token route, as an adapter hands it over. */
export interface RouteRequest {
  readonly headers: HeaderInput
  readonly readBody: BodyReader
  /** Passed on to serializers: the framework's request, say. */
  readonly context?: SerializerContext | undefined
}

/** Answers a request to one token route. */
export type RouteHandler = (request: RouteRequest) => Promise<CoreResponse>

/** Which requests the token routes answer (see {@link tokenRouter}). */
export interface TokenRouter {
  /** The paths served, prefix included. */
  readonly paths: readonly string[]
  /**
   * The handler of a request, or null when the request is not the token routes' to answer: another
   * path, or OPTIONS, which is left to the app (CORS). Methods other than POST get DRF's 405.
   */
  routeFor(method: string, path: string): RouteHandler | null
}

/** The token routes for an adapter: the one place that decides what a request to them gets. */
export function tokenRouter<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  { prefix = '', ...options }: TokenRouterOptions = {},
): TokenRouter {
  const handlers = new Map<string, RouteHandler>()
  for (const [path, endpoint] of tokenEndpoints(sjwt, options)) {
    handlers.set(prefix + path, async ({ headers, readBody, context }) => {
      const raw = await readBody()
      const parsed =
        raw !== null && typeof raw === 'object' && 'parsed' in raw
          ? { ok: true as const, body: raw.parsed }
          : await parseRequestBody(sjwt, headers, raw)
      if (!parsed.ok) return parsed.response
      return endpoint({ headers, body: parsed.body, context })
    })
  }
  return {
    paths: [...handlers.keys()],
    routeFor(method, path) {
      const handler = handlers.get(path)
      if (handler === undefined || method === 'OPTIONS') return null
      if (method === 'POST') return handler
      return async ({ headers }) => methodNotAllowed(sjwt.settings, headers, method)
    },
  }
}

/** Runs a serializer as simplejwt's TokenViewBase does: fields, validate, errors as responses. */
export async function handle<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  serializerClass: SerializerClass,
  request: CoreRequest,
): Promise<CoreResponse> {
  const language = languageOf(request.headers)
  try {
    const serializer = new serializerClass(sjwt as SimpleJWT, request.context)
    const attrs = readFields(request.body, serializer.fields())
    return respond(sjwt.settings, 200, await serializer.validate(attrs), language)
  } catch (error) {
    return sjwt.errorResponse(error, language)
  }
}

/**
 * POST (any body) → 200 {}: logs the authenticated user out everywhere, this request's token
 * included; 401 as `authorize` answers it.
 */
export async function logoutEverywhere<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  request: CoreRequest,
  options: AuthenticateOptions = {},
): Promise<CoreResponse> {
  sjwt.requireRevocation()
  const auth = await sjwt.authorize(request, options)
  if (!auth.ok) return auth.response
  const language = languageOf(request.headers)
  try {
    const userId = auth.token.userId
    if (userId === null) {
      throw new InvalidToken(message('Token contained no recognizable user identification'))
    }
    await sjwt.revokeUserTokens(userId)
    return respond(sjwt.settings, 200, {}, language)
  } catch (error) {
    return sjwt.errorResponse(error, language)
  }
}

/**
 * A raw request body parsed as DRF's parsers parse it (JSON, form, multipart); a body that cannot
 * be parsed gets its 400/413/415 response.
 */
export async function parseRequestBody<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  headers: HeaderInput,
  raw: Uint8Array | string | null,
): Promise<
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly response: CoreResponse }
> {
  const parsed = await parseBody(headerValue(headers, 'content-type'), raw)
  if (parsed.ok) return parsed
  return {
    ok: false,
    response: detailResponse(sjwt.settings, headers, parsed.status, parsed.detail),
  }
}
