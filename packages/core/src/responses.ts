/**
 * Responses as Django REST framework writes them: its exception handler's statuses and bodies for
 * this library's errors, the `WWW-Authenticate` challenge on 401, and the `Content-Language` and
 * `Vary` that Django's LocaleMiddleware adds.
 */
import {
  AuthenticationFailed,
  localize,
  type Message,
  message,
  StoreUnavailableError,
  TokenError,
  ValidationError,
} from './errors'
import { type HeaderInput, headerValue } from './lib/headers'
import { negotiateLanguage } from './lib/i18n'
import type { ResolvedSettings } from './settings'

/** A response for the adapter to write as it is. */
export interface CoreResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** The language a request's `Accept-Language` asks for, negotiated as Django's LocaleMiddleware does. */
export function languageOf(headers: HeaderInput): string {
  return negotiateLanguage(headerValue(headers, 'accept-language'))
}

/** A response in `language`; `challenge` adds the 401's `WWW-Authenticate`. */
export function respond(
  settings: ResolvedSettings,
  status: number,
  body: unknown,
  language: string,
  challenge = false,
): CoreResponse {
  const headers: Record<string, string> = {
    'content-language': language,
    vary: 'Accept-Language',
  }
  // DRF's JWTAuthentication.authenticate_header: the first AUTH_HEADER_TYPES word.
  if (challenge) headers['www-authenticate'] = `${settings.authHeaderTypes[0]} realm="api"`
  return { status, headers, body }
}

/** `{ detail }` in the request's language: DRF's body for the errors it raises itself. */
export function detailResponse(
  settings: ResolvedSettings,
  headers: HeaderInput,
  status: number,
  detail: Message,
): CoreResponse {
  const language = languageOf(headers)
  return respond(settings, status, { detail: localize(detail, language) }, language, status === 401)
}

/** DRF's NotAuthenticated: a request without credentials where they are needed. */
export const NOT_AUTHENTICATED = message('Authentication credentials were not provided.')
/** DRF's PermissionDenied. */
export const PERMISSION_DENIED = message('You do not have permission to perform this action.')

/** DRF's 405, with its `Allow` header, for a method a token endpoint does not serve. */
export function methodNotAllowed(
  settings: ResolvedSettings,
  headers: HeaderInput,
  method: string,
): CoreResponse {
  const detail = message('Method "{method}" not allowed.', method.toUpperCase())
  const response = detailResponse(settings, headers, 405, detail)
  return { ...response, headers: { ...response.headers, allow: 'POST, OPTIONS' } }
}

/**
 * The response for an error of this library, as DRF's exception handler writes it; anything else
 * is rethrown (a bug, not bad input).
 */
export function errorResponse(
  settings: ResolvedSettings,
  error: unknown,
  language: string,
): CoreResponse {
  if (error instanceof AuthenticationFailed) {
    const body: Record<string, unknown> = { detail: localize(error.detail, language) }
    if (error.withCode) body['code'] = error.code
    if (error.messages !== undefined) {
      body['messages'] = error.messages.map((m) => ({
        token_class: m.tokenClass,
        token_type: m.tokenType,
        message: localize(m.message, language),
      }))
    }
    return respond(settings, 401, body, language, true)
  }
  if (error instanceof TokenError) {
    const body = { detail: localize(error.detail, language), code: error.code }
    return respond(settings, 401, body, language, true)
  }
  if (error instanceof ValidationError) {
    const body = Object.fromEntries(
      Object.entries(error.fields).map(([field, list]) => [
        field,
        list.map((m) => localize(m, language)),
      ]),
    )
    return respond(settings, 400, body, language)
  }
  if (error instanceof StoreUnavailableError) {
    const body = { detail: localize(error.detail, language), code: error.code }
    return respond(settings, 503, body, language)
  }
  throw error
}
