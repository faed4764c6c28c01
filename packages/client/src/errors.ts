/**
 * The errors the client throws: one base class with a literal `code`, one subclass a failure.
 * Messages never contain token bytes.
 */

/** One entry of simplejwt's `messages` list in a token error body. */
export interface TokenMessage {
  readonly token_class?: string
  readonly token_type?: string
  readonly message?: string
}

/**
 * An error body as simplejwt and Django REST framework write them: `{detail, code, messages}` for
 * token errors, `{detail}` for others, `{field: [message]}` for a 400.
 */
export type ErrorBody = Readonly<Record<string, unknown>>

/** The base of every error the client throws. */
export class ClientError extends Error {
  /** What failed, as a literal string. */
  readonly code: string = 'client_error'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** An error about a server answer: its status and parsed body, where there was one. */
export abstract class ResponseError extends ClientError {
  /** The HTTP status; `undefined` when no answer arrived (a network error). */
  readonly status: number | undefined
  /** The JSON body, or `null` when the answer had none or was not JSON. */
  readonly body: ErrorBody | null

  constructor(
    message: string,
    status: number | undefined,
    body: ErrorBody | null,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.status = status
    this.body = body
  }

  /** simplejwt's `detail`, where the body has one. */
  get detail(): string | undefined {
    const detail = this.body?.['detail']
    return typeof detail === 'string' ? detail : undefined
  }

  /** simplejwt's `code` (`token_not_valid`, `no_active_account`, `store_unavailable`, ...). */
  get serverCode(): string | undefined {
    const code = this.body?.['code']
    return typeof code === 'string' ? code : undefined
  }

  /** simplejwt's `messages` list on token errors. */
  get messages(): readonly TokenMessage[] | undefined {
    const messages = this.body?.['messages']
    return Array.isArray(messages) ? (messages as TokenMessage[]) : undefined
  }
}

/** `login()` was refused (400: fields, 401: credentials) or could not reach the server. */
export class LoginError extends ResponseError {
  override readonly code = 'login_failed' as const
}

/**
 * The refresh endpoint answered 401 (expired, blacklisted, inactive user): the tokens are
 * forgotten, the user must log in again.
 */
export class SessionExpiredError extends ResponseError {
  override readonly code = 'session_expired' as const
}

/**
 * A refresh could not be done now (network error, 5xx, 503 `store_unavailable`, another status):
 * the tokens are kept, a later call tries again.
 */
export class RefreshError extends ResponseError {
  override readonly code = 'refresh_failed' as const
}

/** A token endpoint answered 2xx with a body that is not simplejwt's (no token, a bad token). */
export class InvalidResponseError extends ResponseError {
  override readonly code = 'invalid_response' as const
}

/** A token that is not a JWT, or whose `exp`, `iat` or `nbf` is not a number. */
export class InvalidTokenError extends ClientError {
  override readonly code = 'invalid_token' as const
}
