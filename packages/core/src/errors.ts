import { formatMessage, translate } from './lib/i18n'

/**
 * A message that can be shown to an API client: an English template (simplejwt's msgid) and its
 * arguments. It is translated only when a response is written, in the language the request asked
 * for.
 */
export interface Message {
  readonly template: string
  readonly args: readonly string[]
  /** False for the few messages simplejwt itself leaves untranslated. */
  readonly translate?: boolean
}

export function message(template: string, ...args: string[]): Message {
  return { template, args }
}

/** The message in a Django language code (`'en'`, `'ko'`, ...). */
export function localize(msg: Message, language: string): string {
  const template = msg.translate === false ? msg.template : translate(msg.template, language)
  return formatMessage(template, ...msg.args)
}

/** Base class of every error this library throws. `code` tells them apart. */
export class SimpleJWTError extends Error {
  readonly code: string = 'simplejwt_error'
  /** The message before formatting, for translation. */
  readonly detail: Message

  constructor(detail: Message, options?: { cause?: unknown }) {
    super(formatMessage(detail.template, ...detail.args), options)
    this.name = new.target.name
    this.detail = detail
  }
}

/** A setting, key or option is wrong. Raised at start-up, never per request. */
export class ConfigurationError extends SimpleJWTError {
  override readonly code = 'configuration_error'

  constructor(text: string, options?: { cause?: unknown }) {
    super(message(text), options)
  }
}

/**
 * A token failed decoding or verification (simplejwt's `TokenError`). The token endpoints turn it
 * into a 401 `token_not_valid` body.
 */
export class TokenError extends SimpleJWTError {
  override readonly code = 'token_not_valid'
}

/** A TokenError with simplejwt's message `template`. */
export function tokenError(template: string, ...args: string[]): TokenError {
  return new TokenError(message(template, ...args))
}

/** The store behind the blacklist or the users could not answer; the request is refused (503). */
export class StoreUnavailableError extends SimpleJWTError {
  override readonly code = 'store_unavailable'

  constructor(options?: { cause?: unknown }) {
    super(message('Service temporarily unavailable, try again later.'), options)
  }
}

/** One token class's reason for refusing a token, as listed in `messages` of a 401 body. */
export interface TokenClassMessage {
  readonly tokenClass: string
  readonly tokenType: string | null
  readonly message: Message
}

export type AuthenticationFailedCode =
  | 'authentication_failed'
  | 'bad_authorization_header'
  | 'token_not_valid'
  | 'user_not_found'
  | 'user_inactive'
  | 'no_active_account'
  /** CHECK_REVOKE_TOKEN: the token predates the user's last password change. */
  | 'password_changed'

/**
 * The request's credentials were refused: a 401 with `{ detail, code }` (simplejwt's
 * `AuthenticationFailed`), plus `messages` when each token class said why. With `withCode: false`
 * the body is `{ detail }` alone, as Django REST framework's own `AuthenticationFailed` writes it.
 */
export class AuthenticationFailed extends SimpleJWTError {
  override readonly code: AuthenticationFailedCode
  readonly messages: readonly TokenClassMessage[] | undefined
  readonly withCode: boolean

  constructor(
    detail: Message,
    code: AuthenticationFailedCode = 'authentication_failed',
    options?: { cause?: unknown; messages?: readonly TokenClassMessage[]; withCode?: boolean },
  ) {
    super(detail, options)
    this.code = code
    this.messages = options?.messages
    this.withCode = options?.withCode ?? true
  }
}

/** simplejwt's `InvalidToken`: an `AuthenticationFailed` with code `token_not_valid`. */
export class InvalidToken extends AuthenticationFailed {
  constructor(
    detail: Message = message('Token is invalid or expired'),
    options?: { cause?: unknown; messages?: readonly TokenClassMessage[] },
  ) {
    super(detail, 'token_not_valid', options)
  }
}

/**
 * Django REST framework's `ValidationError`: a 400 whose body maps field names to lists of
 * messages (`{"password": ["This field is required."]}`).
 */
export class ValidationError extends SimpleJWTError {
  override readonly code = 'invalid'
  readonly fields: Readonly<Record<string, readonly Message[]>>

  constructor(fields: Readonly<Record<string, readonly Message[]>>) {
    const first = Object.values(fields)[0]?.[0] ?? message('Invalid input.')
    super(first)
    this.fields = fields
  }
}

/** A user store's `createUser` found the username or id already taken. */
export class UserExistsError extends SimpleJWTError {
  override readonly code = 'user_exists'
  /** Which column was taken. */
  readonly field: 'username' | 'id'

  constructor(field: 'username' | 'id', value: string | number, options?: { cause?: unknown }) {
    super(message(`A user with ${field} '${value}' already exists`), options)
    this.field = field
  }
}
