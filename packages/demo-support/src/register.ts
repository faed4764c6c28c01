import type { CoreResponse, HeaderInput, SimpleJWT } from '@simplejwt/core'
import { type SqliteUser, type SqliteUserStore, UserExistsError } from '@simplejwt/sqlite'
import { type RawBody, readBody, respond } from './http'

/** A sign-up request: headers and the unparsed body. */
export interface RegisterRequest {
  readonly headers: HeaderInput
  readonly body: RawBody
}

/**
 * `POST /api/register/`: creates the user and answers 201 `{refresh, access}`, tokens issued at
 * once with `RefreshToken.forUser(user)` as in simplejwt's docs. 400 `{"detail": ...}` when a
 * field is missing or the username is taken, as the reference's view answers.
 */
export async function register(
  sjwt: SimpleJWT<SqliteUser>,
  users: SqliteUserStore,
  { headers, body }: RegisterRequest,
): Promise<CoreResponse> {
  const parsed = await sjwt.parseBody(headers, await readBody(body))
  if (!parsed.ok) return parsed.response
  const { username, password } = (parsed.body ?? {}) as Record<string, unknown>
  if (!isFilled(username) || !isFilled(password)) {
    return respond(headers, 400, { detail: 'username and password are required' })
  }
  let user: SqliteUser
  try {
    user = await users.createUser({ username, password })
  } catch (error) {
    if (error instanceof UserExistsError) return respond(headers, 400, { detail: 'username taken' })
    throw error
  }
  const refresh = await sjwt.RefreshToken.forUser(user)
  return respond(headers, 201, {
    refresh: await refresh.sign(),
    access: await refresh.accessToken.sign(),
  })
}

function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}
