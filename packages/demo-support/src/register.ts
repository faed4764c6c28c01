import {
  type CoreResponse,
  type HeaderInput,
  negotiateLanguage,
  type SimpleJWT,
  SimpleJWTError,
} from '@simplejwt/core'
import { header, type RawBody, readBody, respond } from './http'
import { type DemoUser, type DemoUserStore, isUserExists } from './store'
import { storeCall } from './store-call'

/** A sign-up request: headers and the unparsed body. */
export interface RegisterRequest {
  readonly headers: HeaderInput
  readonly body: RawBody
}

/**
 * `POST /api/register/`: creates the user and answers 201 `{refresh, access}`, tokens issued at
 * once with `RefreshToken.forUser(user)` as in simplejwt's docs; the username is stored in NFKC form,
 * as Django's `create_user` stores it. 400 `{"detail": ...}` when a field is missing or the
 * username is taken (in NFKC form), as the reference's view answers; 503 when the store
 * cannot answer.
 */
export async function register(
  sjwt: SimpleJWT<DemoUser>,
  users: DemoUserStore,
  { headers, body }: RegisterRequest,
): Promise<CoreResponse> {
  const parsed = await sjwt.parseBody(headers, await readBody(body))
  if (!parsed.ok) return parsed.response
  const { username, password } = (parsed.body ?? {}) as Record<string, unknown>
  if (!isFilled(username) || !isFilled(password)) {
    return respond(headers, 400, { detail: 'username and password are required' })
  }
  try {
    // Django's create_user stores the username in Unicode NFKC form, so a look-alike written in
    // compatibility characters (full-width "ａｌｉｃｅ") is the same name as "alice": taken.
    const normalized = username.normalize('NFKC')
    const user = await storeCall(() => users.createUser({ username: normalized, password }))
    const refresh = await sjwt.RefreshToken.forUser(user)
    return respond(headers, 201, {
      refresh: await refresh.sign(),
      access: await refresh.accessToken.sign(),
    })
  } catch (error) {
    if (isUserExists(error)) return respond(headers, 400, { detail: 'username taken' })
    // The store could not answer: 503.
    if (!(error instanceof SimpleJWTError)) throw error
    return sjwt.errorResponse(error, negotiateLanguage(header(headers, 'accept-language')))
  }
}

function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}
