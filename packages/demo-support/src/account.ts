import {
  AuthenticationFailed,
  type CoreResponse,
  type HeaderInput,
  message,
  Serializer,
  type SimpleJWT,
  ValidationError,
} from '@simplejwt/core'
import { type RawBody, readBody } from './http'
import type { DemoUser, DemoUserStore } from './store'
import { storeCall } from './store-call'

/** A request to an authenticated account route: headers and the unparsed body. */
export interface AccountRequest {
  readonly headers: HeaderInput
  readonly body?: RawBody
}

/**
 * `POST /api/logout-everywhere/`: 200 `{}`, and every token of the authenticated user issued up
 * to now is refused from then on, in every process sharing the store (`sjwt.logoutEverywhere`).
 * 401 without a valid access token; 503 when the store cannot answer.
 */
export function logoutEverywhere(
  sjwt: SimpleJWT<DemoUser>,
  { headers }: AccountRequest,
): Promise<CoreResponse> {
  return sjwt.logoutEverywhere({ headers })
}

/** The refusal of a wrong old password: Django's own words (its PasswordChangeForm). */
export const WRONG_OLD_PASSWORD =
  'Your old password was entered incorrectly. Please enter it again.'

/**
 * `POST /api/change-password/` with `{old_password, new_password}`: 200 `{}` once the new
 * password is set. With CHECK_REVOKE_TOKEN the user's earlier tokens are refused from then on
 * (401 `password_changed` where the user is looked up). 401 without a valid access token (one
 * from before a password change included, with CHECK_REVOKE_TOKEN); 400 with field errors when a
 * field is missing or blank, or `{"old_password": [...]}` when the old password is wrong; 503
 * when the store cannot answer.
 */
export async function changePassword(
  sjwt: SimpleJWT<DemoUser>,
  users: DemoUserStore,
  { headers, body }: AccountRequest,
): Promise<CoreResponse> {
  const auth = await sjwt.authorize({ headers })
  if (!auth.ok) return auth.response
  const parsed = await sjwt.parseBody(headers, await readBody(body ?? null))
  if (!parsed.ok) return parsed.response
  // As Django REST framework's views do, the serializer finds the user in its context's request.
  const request: ChangePasswordRequest = { user: auth.user as DemoUser, users }
  return sjwt.handle(ChangePasswordSerializer, { headers, body: parsed.body, context: { request } })
}

interface ChangePasswordRequest {
  readonly user: DemoUser
  readonly users: DemoUserStore
}

/** The fields read with Django REST framework's CharField rules, as the token endpoints read theirs. */
class ChangePasswordSerializer extends Serializer {
  fields(): readonly string[] {
    return ['old_password', 'new_password']
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const { user, users } = this.context.request as ChangePasswordRequest
    const credentials = {
      [users.usernameField]: user.username,
      password: attrs['old_password'] ?? '',
    }
    // The store compares in constant time, as it does for a login.
    const checked = await storeCall(() => users.authenticate(credentials))
    if (checked?.id !== user.id) {
      throw new ValidationError({ old_password: [message(WRONG_OLD_PASSWORD)] })
    }
    const newPassword = attrs['new_password'] ?? ''
    if (!(await storeCall(() => users.setPassword(user, newPassword)))) {
      // Deleted since its token was checked.
      throw new AuthenticationFailed(message('User not found'), 'user_not_found')
    }
    return {}
  }
}
