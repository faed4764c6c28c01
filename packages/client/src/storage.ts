/** Where the client keeps its tokens: one string value under one key. */

type Awaitable<T> = T | Promise<T>

/**
 * Any key-value store, synchronous or not: memory, `localStorage`, `sessionStorage`, React
 * Native's AsyncStorage (`{ get: (k) => AsyncStorage.getItem(k), ... }`), IndexedDB wrappers.
 */
export interface TokenStorage {
  get(key: string): Awaitable<string | null | undefined>
  set(key: string, value: string): Awaitable<void>
  remove(key: string): Awaitable<void>
  /**
   * Whether other pages (tabs, workers) see the same values: the client then coordinates its
   * refreshes with them (Web Locks) and tells them of new tokens (BroadcastChannel).
   */
  readonly shared?: boolean
  /** Calls `listener` when another page changes `key` (the `storage` event); returns an unsubscribe. */
  subscribe?(key: string, listener: () => void): () => void
}

/** The default: tokens live as long as the client. */
export function memoryStorage(): TokenStorage {
  const values = new Map<string, string>()
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => {
      values.set(key, value)
    },
    remove: (key) => {
      values.delete(key)
    },
  }
}

/**
 * `localStorage` or `sessionStorage`. `localStorage` is shared by every page of the origin, so a
 * refresh in one tab serves them all; `sessionStorage` is one tab's.
 */
export function webStorage(storage: Storage): TokenStorage {
  const shared = typeof localStorage !== 'undefined' && storage === localStorage
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
    shared,
    subscribe: (key, listener) => {
      if (!shared || typeof addEventListener !== 'function') return () => {}
      const onStorage = (event: StorageEvent) => {
        if (event.key === key || event.key === null) listener()
      }
      addEventListener('storage', onStorage)
      return () => removeEventListener('storage', onStorage)
    },
  }
}
