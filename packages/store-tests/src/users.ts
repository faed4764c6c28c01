import type { AuthUser, UserStore } from '@simplejwt/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** A user the suite asks the store under test to create, with its clear-text password. */
export type SuiteUser = {
  readonly id: number
  readonly username: string
  readonly password: string
  readonly isActive?: boolean
  readonly isStaff?: boolean
}

/** A store holding the suite's users (usernames in its `usernameField`, default `username`). */
export interface UserStoreHarness {
  readonly store: UserStore
  /** Changes a user's password, as the store's own API does it. */
  setPassword(user: AuthUser, password: string): Promise<void>
  close(): Promise<void>
}

/** The users every store under test is created with. */
export const SUITE_USERS: readonly SuiteUser[] = [
  { id: 1, username: 'alice', password: 'alice-password' },
  { id: 2, username: 'bob', password: 'bob-password', isActive: false },
  { id: 3, username: 'carol', password: 'carol-password', isStaff: true },
]

/**
 * The behaviour every `UserStore` shares. `make` is called once for the whole suite (each user
 * costs a password hash) and must return a store holding exactly `users`.
 */
export function runUserStoreSuite(
  name: string,
  make: (users: readonly SuiteUser[]) => Promise<UserStoreHarness>,
): void {
  describe(`${name}: UserStore conformance`, () => {
    let harness: UserStoreHarness
    let store: UserStore
    const login = (username: string | undefined, password: string | undefined) => {
      const credentials: Record<string, string> = {}
      if (username !== undefined) credentials[store.usernameField ?? 'username'] = username
      if (password !== undefined) credentials['password'] = password
      return store.authenticate(credentials)
    }

    beforeAll(async () => {
      harness = await make(SUITE_USERS)
      store = harness.store
    }, 60_000)
    afterAll(async () => {
      await harness?.close()
    })

    it('authenticates a user with the right password', async () => {
      expect(await login('alice', 'alice-password')).toMatchObject({ id: 1, username: 'alice' })
    })

    it('refuses a wrong, empty or missing password', async () => {
      expect(await login('alice', 'bob-password')).toBeNull()
      expect(await login('alice', 'alice-password ')).toBeNull()
      expect(await login('alice', '')).toBeNull()
      expect(await login('alice', undefined)).toBeNull()
    })

    it('refuses an unknown or missing username, even with a password someone has', async () => {
      expect(await login('mallory', 'alice-password')).toBeNull()
      expect(await login('Alice', 'alice-password')).toBeNull()
      expect(await login(undefined, 'alice-password')).toBeNull()
    })

    it("returns an inactive user with the right password: the active check is the core's", async () => {
      const bob = await login('bob', 'bob-password')
      expect(bob).toMatchObject({ id: 2, username: 'bob', isActive: false })
    })

    it('carries isActive and isStaff', async () => {
      expect(await store.getUser('id', 1)).not.toMatchObject({ isActive: false })
      expect(await store.getUser('id', 1)).not.toMatchObject({ isStaff: true })
      expect(await store.getUser('id', 3)).toMatchObject({ isStaff: true })
    })

    it('finds a user by id, a token\'s "1" finding the user whose id is 1', async () => {
      expect(await store.getUser('id', 1)).toMatchObject({ id: 1, username: 'alice' })
      expect(await store.getUser('id', '1')).toMatchObject({ id: 1, username: 'alice' })
      expect(await store.getUser('username', 'carol')).toMatchObject({ id: 3 })
    })

    it('finds nobody for unknown ids and for values that are not strings or numbers', async () => {
      for (const value of [99, '99', '', null, undefined, true, [1], { id: 1 }]) {
        expect(await store.getUser('id', value)).toBeNull()
      }
    })

    it('finds nobody by a field it does not look users up by', async () => {
      const alice = await store.getUser('id', 1)
      expect(alice).not.toBeNull()
      expect(await store.getUser('password', 'alice-password')).toBeNull()
      expect(await store.getUser('nosuchfield', 1)).toBeNull()
      expect(await store.getUser('id; DROP TABLE users', 1)).toBeNull()
      expect(await store.getUser('constructor', 1)).toBeNull()
      expect(await store.getUser('id', 1)).toEqual(alice)
    })

    it('returns users without their password or its hash', async () => {
      const users = [
        await login('alice', 'alice-password'),
        await store.getUser('id', 1),
        await store.getUser('username', 'alice'),
      ]
      for (const user of users) {
        expect(user).not.toBeNull()
        expect(Object.keys(user ?? {})).not.toContain('password')
        expect(JSON.stringify(user)).not.toMatch(/password|scrypt|pbkdf2/)
      }
    })

    it('records the last login when it supports it', async () => {
      if (store.updateLastLogin === undefined) return
      const at = new Date('2024-05-01T12:00:00.000Z')
      const carol = (await store.getUser('id', 3)) as AuthUser
      await store.updateLastLogin(carol, at)
      expect(await store.getUser('id', 3)).toMatchObject({ id: 3, lastLogin: at })
    })

    it('gives a revocation stamp (CHECK_REVOKE_TOKEN) that changes with the password', async () => {
      const stampOf = async (id: number) => {
        const user = (await store.getUser('id', id)) as AuthUser
        if (store.revocationStamp === undefined) throw new Error('no revocationStamp')
        return store.revocationStamp(user)
      }
      const before = await stampOf(3)
      expect(typeof before).toBe('string')
      expect(before).not.toBe('')
      expect(before).not.toContain('carol-password')
      expect(await stampOf(3)).toBe(before)
      expect(await stampOf(1)).not.toBe(before)

      const carol = (await store.getUser('id', 3)) as AuthUser
      await harness.setPassword(carol, 'carol-new-password')
      const after = await stampOf(3)
      expect(after).not.toBe(before)
      expect(await login('carol', 'carol-new-password')).toMatchObject({ id: 3 })
      expect(await login('carol', 'carol-password')).toBeNull()
      await harness.setPassword(carol, 'carol-password')
      expect(await stampOf(3)).not.toBe(after)
      expect(await login('carol', 'carol-password')).toMatchObject({ id: 3 })
    })
  })
}
