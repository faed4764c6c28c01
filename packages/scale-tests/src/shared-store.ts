/**
 * What two processes of a demo app sharing one token store must agree on: a blacklist made
 * through one is seen by the other, one refresh token is rotated once whichever process each of
 * 50 concurrent refreshes reaches, and "log out everywhere" through one holds on the other.
 */
import { type DemoProcess, startDemoProcess } from '@simplejwt/demo-support/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, appDir, BLACKLISTED, Client, type Framework, SECRET_KEY, tally } from './http'

const CONCURRENT_REFRESHES = 50

export interface SharedStore {
  /** The environment of process `name` (DATABASE_URL, REDIS_URL). */
  env(name: string): Record<string, string>
  /** Removes what the test stored (a schema, keys under a prefix). */
  cleanUp(): Promise<unknown>
  /** simplejwt's settings of every process, with rotation and blacklist at least. */
  readonly settings: Readonly<Record<string, unknown>>
}

export interface Processes {
  readonly a: Client
  readonly b: Client
  readonly processes: readonly DemoProcess[]
}

/**
 * When `available` (the service answered), starts processes `a` and `b` of express-demo at once
 * on the store `makeStore` makes, then runs the shared-store tests on them; `more` adds tests of
 * its own.
 */
export function describeSharedStore(
  title: string,
  available: boolean,
  makeStore: () => SharedStore,
  more?: (running: () => Processes & { store: SharedStore }) => void,
): void {
  describe.runIf(available)(title, () => {
    let store: SharedStore | undefined
    let started: (Processes & { store: SharedStore }) | undefined
    beforeAll(async () => {
      store = makeStore()
      const processes = await startAll(['a', 'b'], store, ['express', 'express'])
      const [a, b] = processes.map((p) => new Client(p.url)) as [Client, Client]
      started = { a, b, processes, store }
    })
    afterAll(async () => {
      await Promise.all(started?.processes.map((p) => p.stop()) ?? [])
      await store?.cleanUp()
    })
    const running = () => {
      if (started === undefined) throw new Error('the processes did not start')
      return started
    }

    it('refuses on B a refresh token blacklisted, or rotated, through A', async () => {
      const { a, b } = running()
      const pair = await a.login()
      expect((await a.blacklist(pair.refresh)).status).toBe(200)
      expect(await b.refresh(pair.refresh)).toEqual({ status: 401, body: BLACKLISTED })
      expect(await b.blacklist(pair.refresh)).toEqual({ status: 401, body: BLACKLISTED })

      const rotated = await b.login()
      expect((await a.refresh(rotated.refresh)).status).toBe(200)
      expect(await b.refresh(rotated.refresh)).toEqual({ status: 401, body: BLACKLISTED })
    })

    it(`of ${CONCURRENT_REFRESHES} concurrent refreshes of one token over A and B, one succeeds`, async () => {
      const { a, b } = running()
      const { refresh } = await a.login()
      const replies = await Promise.all(
        Array.from({ length: CONCURRENT_REFRESHES }, (_, i) =>
          (i % 2 === 0 ? a : b).refresh(refresh),
        ),
      )
      const counts = tally(replies)
      const winner = replies.findIndex((reply) => reply.status === 200)
      console.log(
        `${title}: ${CONCURRENT_REFRESHES} refreshes over 2 processes: ` +
          Object.entries(counts)
            .map(([answer, n]) => `${n} × ${answer}`)
            .join(', ') +
          (winner < 0 ? '' : ` (won through ${winner % 2 === 0 ? 'A' : 'B'})`),
      )
      expect(counts).toEqual({
        '200': 1,
        [`401 ${JSON.stringify(BLACKLISTED)}`]: CONCURRENT_REFRESHES - 1,
      })
      // The winner's new refresh token works on either process, once.
      const rotated = String(replies[winner]?.body['refresh'])
      expect((await (winner % 2 === 0 ? b : a).refresh(rotated)).status).toBe(200)
    })

    it("logs the user out everywhere through A: B refuses the user's earlier tokens", async () => {
      const { a, b } = running()
      const [onA, onB] = [await a.login(), await b.login()]
      const admin = await b.login(ADMIN)

      expect(await a.post('/api/logout-everywhere/', {}, onA.access)).toEqual({
        status: 200,
        body: {},
      })
      for (const pair of [onA, onB]) {
        expect(await b.refresh(pair.refresh)).toEqual({ status: 401, body: BLACKLISTED })
        expect(await b.view(pair.access)).toEqual({ status: 401, body: BLACKLISTED })
        expect(await a.refresh(pair.refresh)).toEqual({ status: 401, body: BLACKLISTED })
      }
      // Another user's tokens stay valid; alice's new logins work.
      expect((await b.view(admin.access)).status).toBe(200)
      expect((await b.view((await a.login()).access)).status).toBe(200)
    })

    more?.(running)
  })
}

/** Starts one process a name, all at once, each on `framework`, resolving once all listen. */
export async function startAll(
  names: readonly string[],
  store: SharedStore,
  frameworks: readonly Framework[],
): Promise<DemoProcess[]> {
  const settled = await Promise.allSettled(
    names.map((name, i) =>
      startDemoProcess(appDir(frameworks[i] ?? 'express'), {
        SECRET_KEY,
        SIMPLE_JWT_JSON: JSON.stringify(store.settings),
        ...store.env(name),
      }),
    ),
  )
  const failed = settled.find((result) => result.status === 'rejected')
  if (failed !== undefined) {
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
    throw failed.reason
  }
  return settled.map((result) => (result as PromiseFulfilledResult<DemoProcess>).value)
}
