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
  /**
   * How the stores answer: `'at once'` as the memory stores do (the default), `'later'` with
   * promises settled on a later turn of the event loop as a networked store would, `'failing'`
   * with every user lookup rejected as a store that is down.
   */
  readonly stores?: 'at once' | 'later' | 'failing'
}

/** A configuration with the contract's key and users, frozen clock and `settings`. */
export async function contractSimpleJWT(
  settings: SettingsInput = {},
  options: ContractOptions = {},
): Promise<SimpleJWT> {
  // Hashing the passwords is the slow part; the store is read-only here, so it is shared.
  users ??= MemoryUserStore.create(USERS)
  const now = options.now ?? NOW
  const { stores = 'at once' } = options
  const tokens = new MemoryTokenStore()
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET_KEY, ...settings },
    users: stores === 'at once' ? await users : answeringLater(await users, stores === 'failing'),
    ...(options.tokens === false
      ? {}
      : { tokens: stores === 'at once' ? tokens : answeringLater(tokens, false) }),
    clock: () => now,
  })
}

/**
 * `store` with every method answering on a later turn of the event loop; with `failing`, a user
 * lookup rejects as a store that cannot be reached.
 */
function answeringLater<T extends object>(store: T, failing: boolean): T {
  const later = (answer: () => unknown) =>
    new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(answer())
        } catch (error) {
          reject(error)
        }
      }),
    )
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) =>
        later(() => {
          if (failing && property === 'getUser') throw new Error('connection refused')
          return value.apply(target, args)
        })
    },
  })
}
