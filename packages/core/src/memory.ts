import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords'
import type { AuthUser, OutstandingToken, TokenStore, UserStore } from './stores'

/** A user with a password, as given to {@link MemoryUserStore.create}. */
export type NewUser = AuthUser & { readonly password: string }

/**
 * Users held in memory, passwords hashed with scrypt: for tests, examples and small tools.
 * Users are returned without their password hash.
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

  async getUser(field: string, value: unknown): Promise<U | null> {
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
    const entry = this.#users.find((e) => e.user === user)
    if (entry !== undefined) entry.user = Object.freeze({ ...entry.user, lastLogin: at })
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

/** Outstanding tokens and the blacklist in memory, for one process. */
export class MemoryTokenStore implements TokenStore {
  readonly #outstanding = new Map<string, OutstandingToken>()
  readonly #blacklisted = new Map<string, Date>()

  async addOutstanding(token: OutstandingToken): Promise<void> {
    if (!this.#outstanding.has(token.jti)) this.#outstanding.set(token.jti, token)
  }

  async blacklist(token: OutstandingToken, at: Date): Promise<boolean> {
    await this.addOutstanding(token)
    if (this.#blacklisted.has(token.jti)) return false
    this.#blacklisted.set(token.jti, at)
    return true
  }

  async isBlacklisted(jti: string): Promise<boolean> {
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
    return count
  }

  /** The outstanding record of `jti`, if any. */
  outstanding(jti: string): OutstandingToken | undefined {
    return this.#outstanding.get(jti)
  }
}
