/**
 * `@simplejwt/core/adapter`: what a framework adapter needs beyond the app-facing API. Headers as
 * Django's servers read them, request bodies read and parsed as Django REST framework parses them,
 * and `andThen` for answering at once when nothing had to be waited for. The token routes'
 * decisions are `sjwt.tokenRouter()`'s; see "Adding a framework adapter" in the README.
 */
export { type Awaitable, andThen, isThenable } from './lib/awaitable'
export { MAX_BODY_BYTES, type ParsedBody, parseBody, readBody } from './lib/body'
export { type HeaderInput, nodeHeaders, RawHeaders } from './lib/headers'
export type {
  BodyReader,
  RouteHandler,
  RouteRequest,
  TokenRouter,
  TokenRouterOptions,
} from './views'
