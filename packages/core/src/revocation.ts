/**
 * A user's tokens refused as a whole: logging a user out everywhere (`revokeUserTokens`), and
 * CHECK_REVOKE_TOKEN's refusal of tokens issued before a password change (simplejwt 5.3).
 */
import { issuedBeforeRevocation } from './blacklist'
import { AuthenticationFailed, ConfigurationError, InvalidToken, message } from './errors'
import { askStore, failClosed } from './lib/fail-closed'
import type { SimpleJWT } from './simplejwt'
import { type AuthUser, hasRevocation } from './stores'
import { AccessToken, RefreshToken, SlidingToken, type Token, type TokenClass } from './tokens'

/**
 * Blacklists every outstanding refresh and sliding token of `userId` and refuses any of the
 * user's tokens issued up to now; resolves how many tokens were blacklisted, once the current
 * second is over (see `SimpleJWT.revokeUserTokens`).
 */
export async function revokeUserTokens<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  userId: string | number,
): Promise<number> {
  const store = sjwt.requireRevocation()
  const { settings } = sjwt
  const classes = [AccessToken, RefreshToken, SlidingToken, ...settings.authTokenClasses]
  // No token issued before now outlives the longest lifetime.
  const longest = Math.max(
    settings.slidingTokenRefreshLifetime,
    ...classes.map((cls) => cls.lifetime(settings) ?? 0),
  )
  const at = sjwt.now()
  const expiresAt = at + (longest + settings.leeway) * 1000
  const count = await failClosed(() => store.revokeUser(userId, new Date(at), new Date(expiresAt)))
  // Tokens carry whole seconds (`iat`): those of this second are refused too, so the call ends
  // only once the second is over, and tokens issued after it are not.
  const rest = (Math.floor(at / 1000) + 1) * 1000 - sjwt.now()
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest))
  return count
}

/**
 * The time the token's user was revoked at (`revokeUserTokens`), for tokens that decoding did not
 * already check against it (those not blacklistable: access tokens); else null.
 */
export function userRevokedAt<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  token: Token,
): Date | null | Promise<Date | null> {
  const { tokens } = sjwt
  const userId = token.userId
  if ((token.constructor as TokenClass).blacklistable || userId === null) return null
  if (!hasRevocation(tokens)) return null
  return askStore(() => tokens.userRevokedAt(userId))
}

/**
 * Refuses a looked-up user's token whose CHECK_REVOKE_TOKEN hash no longer matches the user's
 * stamp (a password change), or which was issued before `revokedAt`. Only the first has to wait
 * for anything: without CHECK_REVOKE_TOKEN this answers at once (undefined, or it throws).
 */
export function checkRevoked<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  token: Token,
  user: U,
  revokedAt: Date | null,
): Promise<void> | undefined {
  if (sjwt.settings.checkRevokeToken) return checkRevokedAfterStamp(sjwt, token, user, revokedAt)
  checkIssuedBeforeRevocation(token, revokedAt)
  return undefined
}

async function checkRevokedAfterStamp<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  token: Token,
  user: U,
  revokedAt: Date | null,
): Promise<void> {
  const stamp = await revocationStamp(sjwt, user)
  const hash = requireRevokeTokenHash(sjwt)
  if (!(await hash.matches(token.get(sjwt.settings.revokeTokenClaim), stamp))) {
    throw new AuthenticationFailed(
      message("The user's password has been changed."),
      'password_changed',
    )
  }
  checkIssuedBeforeRevocation(token, revokedAt)
}

/** CHECK_REVOKE_TOKEN: the REVOKE_TOKEN_CLAIM value for `user`, written into its new tokens. */
export async function revokeTokenClaim<U extends AuthUser>(
  sjwt: SimpleJWT<U>,
  user: U,
): Promise<string> {
  return requireRevokeTokenHash(sjwt).hash(await revocationStamp(sjwt, user))
}

function revocationStamp<U extends AuthUser>(sjwt: SimpleJWT<U>, user: U): Promise<string | null> {
  const users = sjwt.requireUsers()
  if (users.revocationStamp === undefined) {
    throw new ConfigurationError('CHECK_REVOKE_TOKEN needs a UserStore with revocationStamp')
  }
  const stamp = users.revocationStamp.bind(users)
  return failClosed(() => stamp(user))
}

function requireRevokeTokenHash<U extends AuthUser>(sjwt: SimpleJWT<U>) {
  if (sjwt.revokeTokenHash === undefined) {
    throw new ConfigurationError(
      'CHECK_REVOKE_TOKEN needs its hash key: make the library with createSimpleJWT',
    )
  }
  return sjwt.revokeTokenHash
}

function checkIssuedBeforeRevocation(token: Token, revokedAt: Date | null): void {
  if (issuedBeforeRevocation(token.get('iat'), revokedAt)) {
    throw new InvalidToken(message('Token is blacklisted'))
  }
}
