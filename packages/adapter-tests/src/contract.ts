import {
  createSimpleJWT,
  MemoryTokenStore,
  MemoryUserStore,
  type SettingsInput,
  type SimpleJWT,
} from '@simplejwt/core'

/** The contract's secret key (the reference's default SIGNING_KEY). */
export const SECRET_KEY = 'contract-secret-key-0123456789abcdef'

/**
 * The clock of every configuration the suite makes, frozen when the suite is loaded: payloads are
 * exact, and tokens the suite mints are also valid for a server that runs on real time.
 */
export const NOW = Date.now()
export const NOW_SECONDS = Math.floor(NOW / 1000)

/** The contract's users (same ids as the reference). */
export const USERS = [
  { id: 1, username: 'alice', password: 'alice-password' },
  { id: 2, username: 'bob', password: 'bob-password', isActive: false },
  { id: 3, username: 'admin', password: 'admin-password', isStaff: true },
] as const

let users: Promise<MemoryUserStore> | undefined

export interface ContractOptions {
  /** Give the configuration a MemoryTokenStore (outstanding tokens, the blacklist). Default true. */
  readonly tokens?: boolean
  /** Milliseconds since the epoch. Default {@link NOW}. */
  readonly now?: number
}

/** A configuration with the contract's key and users, frozen clock and `settings`. */
export async function contractSimpleJWT(
  settings: SettingsInput = {},
  options: ContractOptions = {},
): Promise<SimpleJWT> {
  // Hashing the passwords is the slow part; the store is read-only here, so it is shared.
  users ??= MemoryUserStore.create(USERS)
  const now = options.now ?? NOW
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET_KEY, ...settings },
    users: await users,
    ...(options.tokens === false ? {} : { tokens: new MemoryTokenStore() }),
    clock: () => now,
  })
}
