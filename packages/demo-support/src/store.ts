import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { openSqliteStore, type SqliteStore, UserExistsError } from '@simplejwt/sqlite'

/** The contract's users, created on an empty database (the reference's ids). */
export const SEED_USERS = [
  { id: 1, username: 'alice', password: 'alice-password' },
  { id: 2, username: 'bob', password: 'bob-password', isActive: false },
  { id: 3, username: 'admin', password: 'admin-password', isStaff: true },
] as const

/** The store and whether this call created the seed users. */
export interface DemoStore {
  readonly store: SqliteStore
  readonly seeded: boolean
}

/**
 * Opens the SQLite database at `path` (creating its folder), and adds the seed users when it has
 * no user at all.
 */
export async function openDemoStore(path: string): Promise<DemoStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const store = openSqliteStore(path)
  try {
    const { count } = store.db.prepare('SELECT count(*) AS count FROM users').get() as {
      count: number
    }
    if (count > 0) return { store, seeded: false }
    for (const user of SEED_USERS) {
      try {
        await store.users.createUser(user)
      } catch (error) {
        // Another process started on the same new file and seeded it first.
        if (!(error instanceof UserExistsError)) throw error
      }
    }
    return { store, seeded: true }
  } catch (error) {
    store.close()
    throw error
  }
}
