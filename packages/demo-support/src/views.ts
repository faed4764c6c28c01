import type { AuthUser, CoreResponse, HeaderInput, Token } from '@simplejwt/core'
import { respond } from './http'

/** What a view behind `requireAuth` has: the request's headers, the user and the token. */
export interface ViewRequest {
  readonly headers: HeaderInput
  readonly user?: AuthUser | undefined
  readonly auth?: Token | undefined
}

/** `GET /api/some-protected-view/` and `/api/admin-only-view/`: `{"user": {"id", "username"}, "token": payload}`. */
export function userView(request: ViewRequest): CoreResponse {
  const { user, auth } = authenticated(request)
  return respond(request.headers, 200, {
    user: { id: user['id'], username: user['username'] },
    token: auth.payload,
  })
}

/** `GET /api/stateless-view/`: `{"user": {"id"}, "token": payload}`, the user built from the token alone. */
export function statelessView(request: ViewRequest): CoreResponse {
  const { user, auth } = authenticated(request)
  return respond(request.headers, 200, { user: { id: user['id'] }, token: auth.payload })
}

function authenticated(request: ViewRequest): { user: AuthUser; auth: Token } {
  const { user, auth } = request
  if (user === undefined || auth === undefined) {
    throw new Error('a protected view was reached without requireAuth before it')
  }
  return { user, auth }
}
