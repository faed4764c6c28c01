/**
 * A user as the library sees it. `isActive` (default true when absent) and `isStaff` play the roles
 * of Django's `is_active` and `is_staff`; the property named by USER_ID_FIELD (default `id`) is
 * written into tokens.
 */
export interface AuthUser {
  readonly isActive?: boolean
  readonly isStaff?: boolean
  readonly [field: string]: unknown
}

/** Where users come from. The library never stores or compares passwords itself. */
export interface UserStore<U extends AuthUser = AuthUser> {
  /** The field the obtain endpoints ask for next to `password` (Django's USERNAME_FIELD). Default `username`. */
  readonly usernameField?: string
  /** The user whose `field` (USER_ID_FIELD) equals `value` (the token's USER_ID_CLAIM), or null. */
  getUser(field: string, value: unknown): Promise<U | null>
  /**
   * The user these credentials belong to, or null (as Django's `authenticate()`): compare the
   * password in constant time, and spend the same time when the user does not exist.
   */
  authenticate(credentials: Readonly<Record<string, string>>): Promise<U | null>
  /** Records a login (UPDATE_LAST_LOGIN). */
  updateLastLogin?(user: U, at: Date): Promise<void>
}

/** An issued refresh or sliding token (simplejwt's `OutstandingToken`). */
export interface OutstandingToken {
  readonly jti: string
  /** The value of the token's USER_ID_CLAIM, null when it has none. */
  readonly userId: string | number | null
  /** SHA-256 of the token, hex: the token itself is a credential and is not stored. */
  readonly tokenDigest: string
  readonly createdAt: Date | null
  readonly expiresAt: Date
}

/** The outstanding-token list and the blacklist (simplejwt's `token_blacklist` app). */
export interface TokenStore {
  /** Records an issued token. */
  addOutstanding(token: OutstandingToken): Promise<void>
  /**
   * Blacklists a token, recording it as outstanding first if it is not. Atomic: resolves true for
   * the one call that blacklisted it, false when it already was.
   */
  blacklist(token: OutstandingToken, at: Date): Promise<boolean>
  /** Whether the token with this `jti` is blacklisted. */
  isBlacklisted(jti: string): Promise<boolean>
  /** Removes tokens that expired before `now`, with their blacklist entries; resolves the count. */
  flushExpired(now: Date): Promise<number>
}
