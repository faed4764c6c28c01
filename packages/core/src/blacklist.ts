/**
 * The blacklist of refresh and sliding tokens (simplejwt's `BlacklistMixin` and its
 * `token_blacklist` app): outstanding-token records, blacklist entries, and the revocations this
 * project adds (a refresh token's family, a user's tokens). Token classes call these through their
 * `checkBlacklist`, `blacklist`, `recordOutstanding` and `revokeFamily` methods.
 */
import { ConfigurationError, tokenError } from './errors'
import { failClosed } from './lib/fail-closed'
import { hasRevocation, type OutstandingToken, type TokenStore } from './stores'
import type { Token, TokenContext } from './tokens'

/** What the TokenStore holds against a token: its own blacklist entry, and its family's or user's revocation. */
export interface RevocationStatus {
  readonly blacklisted: boolean
  readonly revoked: boolean
}

/**
 * Throws "Token is blacklisted" when the token's `jti` is on the blacklist, when its family was
 * revoked (REFRESH_TOKEN_REUSE_DETECTION), or when its user's tokens were revoked after it was
 * issued. A blacklisted token presented again revokes its family.
 */
export async function checkBlacklist(token: Token, context: TokenContext): Promise<void> {
  const jti = token.jti
  if (jti === undefined) return
  const { blacklisted, revoked } = await revocationStatus(token, context, jti)
  if (blacklisted) await revokeFamily(token, context)
  if (blacklisted || revoked) throw tokenError('Token is blacklisted')
}

/** The token's revocation status, the three store questions asked at once. */
export async function revocationStatus(
  token: Token,
  context: TokenContext,
  jti: string,
): Promise<RevocationStatus> {
  const store = requireStore(context)
  const family = familyOf(token, context)
  const userId = token.userId
  const revocable = hasRevocation(store)
  const [blacklisted, familyRevoked, revokedAt] = await failClosed(() =>
    Promise.all([
      store.isBlacklisted(jti),
      revocable && family !== undefined ? store.isFamilyRevoked(family) : false,
      revocable && userId !== null ? store.userRevokedAt(userId) : null,
    ]),
  )
  const revoked = familyRevoked || issuedBeforeRevocation(token.payload['iat'], revokedAt)
  return { blacklisted, revoked }
}

/**
 * Revokes the token's family, when REFRESH_TOKEN_REUSE_DETECTION is on and it has one: called
 * when a token already rotated or blacklisted is presented again, since either its legitimate
 * holder or a thief has the family's newest token (RFC 9700, 4.14.2). True when this call
 * revoked it.
 */
export async function revokeFamily(token: Token, context: TokenContext): Promise<boolean> {
  const family = familyOf(token, context)
  const store = context.tokens
  if (family === undefined || !hasRevocation(store)) return false
  const at = context.now()
  // No token of the family issued before now outlives this.
  const expiresAt = at + (token.lifetime + context.settings.leeway) * 1000
  return failClosed(() => store.revokeFamily(family, new Date(at), new Date(expiresAt)))
}

/** The family id (TOKEN_FAMILY_CLAIM) with REFRESH_TOKEN_REUSE_DETECTION, else undefined. */
export function familyOf(token: Token, context: TokenContext): string | undefined {
  const { refreshTokenReuseDetection, tokenFamilyClaim } = context.settings
  const family = refreshTokenReuseDetection ? token.payload[tokenFamilyClaim] : undefined
  return typeof family === 'string' && family !== '' ? family : undefined
}

/**
 * Puts the token on the blacklist (recording it as outstanding if needed). True when this call
 * blacklisted it, false when it already was: of concurrent calls, exactly one wins.
 */
export async function blacklist(token: Token, context: TokenContext): Promise<boolean> {
  const store = requireStore(context)
  const record = await outstandingRecord(token, null)
  return failClosed(() => store.blacklist(record, new Date(context.now())))
}

/**
 * Records the token as outstanding, when a TokenStore is configured. `signed` is its compact form
 * when the caller already has it.
 */
export async function recordOutstanding(
  token: Token,
  context: TokenContext,
  signed?: string,
): Promise<void> {
  const store = context.tokens
  if (store === undefined) return
  const record = await outstandingRecord(token, new Date(token.currentTime), signed)
  await failClosed(() => store.addOutstanding(record))
}

/**
 * Whether a user revocation at `revokedAt` covers a token whose `iat` is given. `iat` holds whole
 * seconds, so a token of the second of the revocation may be from before or after it: it is
 * refused (`revokeUserTokens` resolves only once that second is over). A token without a numeric
 * `iat` is refused once its user was revoked. Access tokens made by refreshing carry the `iat` of
 * their refresh token, as in simplejwt.
 */
export function issuedBeforeRevocation(iat: unknown, revokedAt: Date | null): boolean {
  if (revokedAt === null) return false
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return true
  return iat <= Math.floor(revokedAt.getTime() / 1000)
}

function requireStore(context: TokenContext): TokenStore {
  const store = context.tokens
  if (store === undefined)
    throw new ConfigurationError('The blacklist needs a TokenStore (option `tokens`)')
  return store
}

/** The outstanding-token record: a digest of the token, never the token itself. */
async function outstandingRecord(
  token: Token,
  createdAt: Date | null,
  signed?: string,
): Promise<OutstandingToken> {
  const jti = token.jti
  const exp = token.payload['exp']
  if (jti === undefined) throw tokenError('Token has no id')
  if (typeof exp !== 'number') throw tokenError("Token has no '{}' claim", 'exp')
  return {
    jti,
    userId: token.userId,
    tokenDigest: await sha256Hex(signed ?? token.token ?? (await token.sign())),
    createdAt,
    expiresAt: new Date(exp * 1000),
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  )
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}
