/** Demo processes sharing one PostgreSQL schema for their users and tokens. */
import { requirePostgres, scratchSchema } from '@simplejwt/demo-support/testing'
import { expect, it } from 'vitest'
import { ROTATION } from './http'
import { describeSharedStore, type SharedStore } from './shared-store'

const postgres = await requirePostgres()

function postgresStore(): SharedStore {
  const scratch = scratchSchema('scale_pg')
  return {
    env: () => ({ DATABASE_URL: scratch.databaseUrl }),
    cleanUp: () => scratch.drop(),
    settings: { ...ROTATION, CHECK_REVOKE_TOKEN: true },
  }
}

describeSharedStore(
  'two express-demo processes sharing PostgreSQL',
  postgres,
  postgresStore,
  (running) => {
    it('seeded the users once, though both started at once on a new schema', () => {
      const outputs = running().processes.map((p) => p.output())
      expect(outputs.some((output) => /\(seeded alice, bob, admin\)/.test(output))).toBe(true)
    })

    it("refuses on B a user's tokens from before a password change through A", async () => {
      const { a, b } = running()
      const dave = { username: `dave-${Date.now()}`, password: 'dave-password' }
      expect((await b.post('/api/register/', dave)).status).toBe(201)
      const before = await b.login(dave)
      const change = { old_password: dave.password, new_password: 'dave-new-password' }
      expect(await a.post('/api/change-password/', change, before.access)).toEqual({
        status: 200,
        body: {},
      })
      expect(await b.view(before.access)).toEqual({
        status: 401,
        body: { detail: "The user's password has been changed.", code: 'password_changed' },
      })
      expect((await b.post('/api/token/', dave)).status).toBe(401)
      const after = await b.login({ ...dave, password: change.new_password })
      expect((await a.view(after.access)).status).toBe(200)
    })
  },
)
