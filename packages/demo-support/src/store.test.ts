import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDemoStore, SEED_USERS } from './store'

describe('openDemoStore', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('creates the folder, seeds an empty database once, and keeps what was added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-store-'))
    dirs.push(dir)
    const path = join(dir, 'nested', 'folder', 'demo.sqlite3')

    const first = await openDemoStore(path)
    expect(first.seeded).toBe(true)
    const { users } = first.store
    expect(await users.getUser('id', 1)).toMatchObject({ username: 'alice', isActive: true })
    expect(await users.getUser('id', 2)).toMatchObject({ username: 'bob', isActive: false })
    expect(await users.getUser('id', 3)).toMatchObject({ username: 'admin', isStaff: true })
    expect(await users.authenticate({ username: 'alice', password: 'alice-password' })).toEqual(
      expect.objectContaining({ id: 1 }),
    )
    await users.createUser({ username: 'carol', password: 'carol-password' })
    first.store.close()

    const second = await openDemoStore(path)
    expect(second.seeded).toBe(false)
    expect(await second.store.users.getUser('username', 'carol')).toMatchObject({ id: 4 })
    second.store.close()
  })

  it('seeds the three users of the contract', () => {
    expect(SEED_USERS.map((u) => [u.id, u.username])).toEqual([
      [1, 'alice'],
      [2, 'bob'],
      [3, 'admin'],
    ])
  })
})
