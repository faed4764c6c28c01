import type { Awaitable } from './lib/awaitable'

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

/**
 * A user as the database stores (`@simplejwt/sqlite`, `@simplejwt/postgres`) return it: the columns
 * of Django's `auth_user` that simplejwt reads, never the password hash.
 */
export interface DatabaseUser extends AuthUser {
  readonly id: number
  readonly username: string
  readonly isActive: boolean
  readonly isStaff: boolean
  readonly lastLogin: Date | null
  readonly dateJoined: Date
}

/** A user to create in a database store, with its clear-text password (hashed before it is stored). */
export interface NewDatabaseUser {
  readonly username: string
  readonly password: string
  /** Default true. */
  readonly isActive?: boolean
  /** Default false. */
  readonly isStaff?: boolean
  /** Default: the next free id. */
  readonly id?: number
  /** Default: now. */
  readonly dateJoined?: Date
}

/**
 * Where users come from. The library never stores or compares passwords itself.
 *
 * `getUser`, which authentication calls on every request, may answer with a value instead of a
 * promise (a store reading memory or SQLite synchronously): a request whose every step answers at
 * once is authenticated without waiting a turn of the event loop. A store that throws or rejects
 * refuses the request (503), never lets it through.
 */
export interface UserStore<U extends AuthUser = AuthUser> {
  /** The field the obtain endpoints ask for next to `password` (Django's USERNAME_FIELD). Default `username`. */
  readonly usernameField?: string
  /** The user whose `field` (USER_ID_FIELD) equals `value` (the token's USER_ID_CLAIM), or null. */
  getUser(field: string, value: unknown): Awaitable<U | null>
  /**
   * The user these credentials belong to, or null (as Django's `authenticate()`): compare the
   * password in constant time, and spend the same time when the user does not exist.
   */
  authenticate(credentials: Readonly<Record<string, string>>): Promise<U | null>
  /** Records a login (UPDATE_LAST_LOGIN). */
  updateLastLogin?(user: U, at: Date): Promise<void>
  /**
   * A value that changes whenever the user's tokens must stop working, such as the password
   * hash, or null when the user has none (CHECK_REVOKE_TOKEN). Tokens carry a keyed hash of it,
   * never the value itself. Required by CHECK_REVOKE_TOKEN.
   */
  revocationStamp?(user: U): Promise<string | null>
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

/**
 * The outstanding-token list and the blacklist (simplejwt's `token_blacklist` app). The reads that
 * authentication makes (`isBlacklisted`, `isFamilyRevoked`, `userRevokedAt`) may answer with a
 * value instead of a promise, as `UserStore.getUser` may.
 */
export interface TokenStore {
  /** Records an issued token. */
  addOutstanding(token: OutstandingToken): Promise<void>
  /**
   * Blacklists a token, recording it as outstanding first if it is not. Atomic: resolves true for
   * the one call that blacklisted it, false when it already was.
   */
  blacklist(token: OutstandingToken, at: Date): Promise<boolean>
  /** Whether the token with this `jti` is blacklisted. */
  isBlacklisted(jti: string): Awaitable<boolean>
  /**
   * Removes tokens that expired before `now`, with their blacklist entries, and family and user
   * revocations kept past their `expiresAt`; resolves the count of tokens removed.
   */
  flushExpired(now: Date): Promise<number>
  /**
   * Revokes a token family: every refresh token rotated from one login, which share the
   * TOKEN_FAMILY_CLAIM (REFRESH_TOKEN_REUSE_DETECTION). Kept until `expiresAt`, after which no
   * token of the family is valid. Atomic: resolves true for the one call that revoked it.
   */
  revokeFamily?(family: string, at: Date, expiresAt: Date): Promise<boolean>
  /** Whether the family was revoked. */
  isFamilyRevoked?(family: string): Awaitable<boolean>
  /**
   * Logs a user out everywhere: blacklists every outstanding token of `userId` (the ids `1` and
   * `"1"` are one user here) and records `at` as the user's revocation time, kept until
   * `expiresAt`; a later time replaces an earlier one, never the reverse. Resolves how many
   * tokens this call blacklisted.
   */
  revokeUser?(userId: string | number, at: Date, expiresAt: Date): Promise<number>
  /** The user's latest revocation time (`revokeUser`), or null. */
  userRevokedAt?(userId: string | number): Awaitable<Date | null>
}

/** A TokenStore with the revocation methods: what reuse detection and `revokeUserTokens` need. */
export type RevocationStore = TokenStore & Required<Pick<TokenStore, RevocationMethod>>

export type RevocationMethod = 'revokeFamily' | 'isFamilyRevoked' | 'revokeUser' | 'userRevokedAt'

/** Whether `store` has every revocation method. */
export function hasRevocation(store: TokenStore | undefined): store is RevocationStore {
  return (
    store !== undefined &&
    typeof store.revokeFamily === 'function' &&
    typeof store.isFamilyRevoked === 'function' &&
    typeof store.revokeUser === 'function' &&
    typeof store.userRevokedAt === 'function'
  )
}
