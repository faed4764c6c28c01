import type { Awaitable } from './lib/awaitable'
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords'
import type { AuthUser, OutstandingToken, RevocationStore, UserStore } from './stores'

/** A user with a password, as given to {@link MemoryUserStore.create}. */
export type NewUser = AuthUser & { readonly password: string }

/**
 * Users held in memory, passwords hashed with scrypt: for tests, examples and small tools.
 * Users are returned without their password hash; `getUser` answers at once (a value).
 */
export class MemoryUserStore<U extends AuthUser = AuthUser> implements UserStore<U> {
  readonly usernameField: string
  readonly #users: Array<{ user: U; hash: string }> = []

  private constructor(usernameField: string) {
    this.usernameField = usernameField
  }

  /** A store holding `users`, whose clear-text `password`s are hashed here. */
  static async create<U extends AuthUser = AuthUser>(
    users: readonly NewUser[] = [],
    options: { usernameField?: string } = {},
  ): Promise<MemoryUserStore<U>> {
    const store = new MemoryUserStore<U>(options.usernameField ?? 'username')
    for (const user of users) await store.add(user)
    return store
  }

  /** Adds a user; resolves the stored user (without its password). */
  async add(user: NewUser): Promise<U> {
    const { password, ...fields } = user
    const stored = Object.freeze({ ...fields }) as unknown as U
    this.#users.push({ user: stored, hash: await hashPassword(password) })
    return stored
  }

  getUser(field: string, value: unknown): Awaitable<U | null> {
    return this.#find(field, value)?.user ?? null
  }

  async authenticate(credentials: Readonly<Record<string, string>>): Promise<U | null> {
    const { password } = credentials
    const entry = this.#find(this.usernameField, credentials[this.usernameField])
    // The hash is checked even for unknown users, so timing does not tell which exist.
    const ok = await verifyPassword(password ?? '', entry?.hash ?? DUMMY_PASSWORD_HASH)
    return ok && entry !== undefined ? entry.user : null
  }

  async updateLastLogin(user: U, at: Date): Promise<void> {
    const entry = this.#entryOf(user)
    if (entry !== undefined) entry.user = Object.freeze({ ...entry.user, lastLogin: at })
  }

  /** The user's password hash (CHECK_REVOKE_TOKEN), or null for a user not in the store. */
  async revocationStamp(user: U): Promise<string | null> {
    return this.#entryOf(user)?.hash ?? null
  }

  /**
   * Sets a new password (with CHECK_REVOKE_TOKEN, the user's earlier tokens stop working);
   * resolves false when the user is not in the store.
   */
  async setPassword(user: U, password: string): Promise<boolean> {
    const entry = this.#entryOf(user)
    if (entry === undefined) return false
    entry.hash = await hashPassword(password)
    return true
  }

  /** The entry of `user`: the same object, or the user with the same username. */
  #entryOf(user: U): { user: U; hash: string } | undefined {
    return (
      this.#users.find((e) => e.user === user) ??
      this.#find(this.usernameField, user[this.usernameField])
    )
  }

  #find(field: string, value: unknown): { user: U; hash: string } | undefined {
    if (typeof value !== 'string' && typeof value !== 'number') return undefined
    // Ids compare as a database would: the token's "1" finds the user whose id is 1.
    return this.#users.find((e) => {
      const own = e.user[field]
      return (typeof own === 'string' || typeof own === 'number') && String(own) === String(value)
    })
  }
}

/** A family's or a user's revocation, kept until `expiresAt`. */
interface Revocation {
  revokedAt: Date
  expiresAt: Date
}

/**
 * Outstanding tokens, the blacklist and revoked families and users, in memory, for one process.
 * The reads authentication makes answer at once (values).
 */
export class MemoryTokenStore implements RevocationStore {
  readonly #outstanding = new Map<string, OutstandingToken>()
  readonly #blacklisted = new Map<string, Date>()
  readonly #families = new Map<string, Revocation>()
  /** By the user id as a string: `1` and `"1"` are one user. */
  readonly #users = new Map<string, Revocation>()

  async addOutstanding(token: OutstandingToken): Promise<void> {
    if (!this.#outstanding.has(token.jti)) this.#outstanding.set(token.jti, token)
  }

  async blacklist(token: OutstandingToken, at: Date): Promise<boolean> {
    await this.addOutstanding(token)
    if (this.#blacklisted.has(token.jti)) return false
    this.#blacklisted.set(token.jti, at)
    return true
  }

  isBlacklisted(jti: string): Awaitable<boolean> {
    return this.#blacklisted.has(jti)
  }

  async flushExpired(now: Date): Promise<number> {
    let count = 0
    for (const [jti, token] of this.#outstanding) {
      if (token.expiresAt < now) {
        this.#outstanding.delete(jti)
        this.#blacklisted.delete(jti)
        count++
      }
    }
    for (const revocations of [this.#families, this.#users]) {
      for (const [key, { expiresAt }] of revocations) {
        if (expiresAt < now) revocations.delete(key)
      }
    }
    return count
  }

  async revokeFamily(family: string, at: Date, expiresAt: Date): Promise<boolean> {
    if (this.#families.has(family)) return false
    this.#families.set(family, { revokedAt: at, expiresAt })
    return true
  }

  isFamilyRevoked(family: string): Awaitable<boolean> {
    return this.#families.has(family)
  }

  async revokeUser(userId: string | number, at: Date, expiresAt: Date): Promise<number> {
    const key = String(userId)
    const known = this.#users.get(key)
    this.#users.set(key, {
      revokedAt: known !== undefined && known.revokedAt > at ? known.revokedAt : at,
      expiresAt: known !== undefined && known.expiresAt > expiresAt ? known.expiresAt : expiresAt,
    })
    let count = 0
    for (const token of this.#outstanding.values()) {
      if (token.userId === null || String(token.userId) !== key) continue
      if (this.#blacklisted.has(token.jti)) continue
      this.#blacklisted.set(token.jti, at)
      count++
    }
    return count
  }

  userRevokedAt(userId: string | number): Awaitable<Date | null> {
    return this.#users.get(String(userId))?.revokedAt ?? null
  }

  /** The outstanding record of `jti`, if any. */
  outstanding(jti: string): OutstandingToken | undefined {
    return this.#outstanding.get(jti)
  }
}
