/**
 * The client against a real server (a demo app, or the reference simplejwt 5.2.2): short access
 * lifetimes, rotation and blacklist-after-rotation on.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDemoProcess } from '@simplejwt/demo-support/testing'
import axios from 'axios'
import ky from 'ky'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startReference } from '../../core/test/reference/index'
import { attachToAxios } from '../src/axios'
import {
  type ClientOptions,
  createClient,
  decodeToken,
  LoginError,
  SessionExpiredError,
} from '../src/index'

/** Seconds: short, so that tests wait for a real expiry. */
export const ACCESS_LIFETIME = 2

export const SETTINGS = {
  ACCESS_TOKEN_LIFETIME: ACCESS_LIFETIME,
  SLIDING_TOKEN_LIFETIME: ACCESS_LIFETIME,
  ROTATE_REFRESH_TOKENS: true,
  BLACKLIST_AFTER_ROTATION: true,
  AUTH_TOKEN_CLASSES: [
    'rest_framework_simplejwt.tokens.AccessToken',
    'rest_framework_simplejwt.tokens.SlidingToken',
  ],
}

export interface Server {
  readonly url: string
  stop(): Promise<unknown>
}

const ALICE = { username: 'alice', password: 'alice-password' }
const VIEW = '/api/some-protected-view/'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Until every access token issued before now has expired (exp is whole seconds). */
const expiry = () => sleep(ACCESS_LIFETIME * 1000 + 1100)
/** Until shortly before `token` expires: within the refresh margin (half of 2 s), still valid. */
const nearExpiry = (token: string) =>
  sleep((decodeToken(token).expiresAt?.getTime() ?? 0) - 900 - Date.now())

/** A demo app started as a process on a new SQLite database. */
export async function startDemo(framework: 'express' | 'hono' | 'koa'): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), `client-${framework}-`))
  const appDir = fileURLToPath(new URL(`../../../apps/${framework}-demo`, import.meta.url))
  const app = await startDemoProcess(appDir, {
    DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite3')}`,
    SIMPLE_JWT_JSON: JSON.stringify(SETTINGS),
  })
  return {
    url: app.url,
    stop: async () => {
      await app.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function startReferenceServer(): Promise<Server> {
  const reference = await startReference({ settings: SETTINGS })
  return { url: reference.url, stop: () => reference.close() }
}

/** A fetch that counts the requests to each path. */
function countingFetch() {
  const counts = new Map<string, number>()
  const statuses: number[] = []
  const counted: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input)
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1)
    const response = await fetch(input, init)
    if (url.pathname === VIEW) statuses.push(response.status)
    return response
  }
  return { fetch: counted, count: (path: string) => counts.get(path) ?? 0, statuses }
}

export function describeClientAgainst(name: string, start: () => Promise<Server>): void {
  describe.concurrent(`the client against ${name}`, () => {
    let server: Server | undefined
    beforeAll(async () => {
      server = await start()
    })
    afterAll(async () => {
      await server?.stop()
    })
    const url = () => {
      if (server === undefined) throw new Error(`${name} did not start`)
      return server.url
    }
    const client = (options: ClientOptions = {}) => {
      const counter = countingFetch()
      return { counter, client: createClient({ baseUrl: url(), fetch: counter.fetch, ...options }) }
    }

    it('ten calls failing with 401 at once: one refresh, all ten retried and served', async ({
      expect,
    }) => {
      const { client: c, counter } = client({ refreshMargin: false })
      const first = await c.login(ALICE)
      expect((await c.fetch(VIEW)).status).toBe(200)
      await expiry()
      const responses = await Promise.all(Array.from({ length: 10 }, () => c.fetch(VIEW)))
      const bodies = await Promise.all(responses.map((r) => r.json()))
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
      expect(bodies.every((b) => b.user.id === 1)).toBe(true)
      expect(counter.count('/api/token/refresh/')).toBe(1)
      // Each of the ten was refused once, then served.
      expect(counter.statuses.filter((s) => s === 401)).toHaveLength(10)
      // Rotation with blacklist: the first refresh token is spent.
      expect(c.tokens?.refresh).not.toBe(first.refresh)
      const reuse = await fetch(`${url()}/api/token/refresh/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh: first.refresh }),
      })
      expect(reuse.status).toBe(401)
      expect(await reuse.json()).toMatchObject({ code: 'token_not_valid' })
    })

    it('refreshes ahead of exp: no call is refused', async ({ expect }) => {
      const { client: c, counter } = client()
      const { access } = await c.login(ALICE)
      // The margin is at most half the lifetime: 1 s of 2 s.
      await nearExpiry(access)
      const responses = await Promise.all(Array.from({ length: 5 }, () => c.fetch(VIEW)))
      expect(responses.map((r) => r.status)).toEqual(Array(5).fill(200))
      expect(counter.count('/api/token/refresh/')).toBe(1)
      expect(counter.statuses).toEqual(Array(5).fill(200))
    })

    it('axios: ten 401s at once, one refresh, each retried once and served', async ({ expect }) => {
      const { client: c, counter } = client({ refreshMargin: false })
      await c.login(ALICE)
      const instance = axios.create({ baseURL: url() })
      let refused = 0
      instance.interceptors.response.use(undefined, (error) => {
        if (error?.response?.status === 401) refused += 1
        throw error
      })
      const detach = attachToAxios(c, instance)
      await expiry()
      const responses = await Promise.all(Array.from({ length: 10 }, () => instance.get(VIEW)))
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
      expect(responses.every((r) => r.data.user.id === 1)).toBe(true)
      expect(refused).toBe(10)
      expect(counter.count('/api/token/refresh/')).toBe(1)
      detach()
      const bare = await instance.get(VIEW, { validateStatus: () => true })
      expect(bare.status).toBe(401)
    })

    it('ky, given client.fetch, is served after the token expired', async ({ expect }) => {
      const { client: c, counter } = client({ refreshMargin: false })
      await c.login(ALICE)
      const api = ky.create({ baseUrl: url(), fetch: c.fetch })
      await expiry()
      const body = await api.get(VIEW.slice(1)).json<{ user: { id: number } }>()
      expect(body.user.id).toBe(1)
      expect(counter.count('/api/token/refresh/')).toBe(1)
    })

    it('logout blacklists the refresh token; a refused refresh logs out', async ({ expect }) => {
      const { client: c } = client({ refreshMargin: false })
      const tokens = await c.login(ALICE)
      expect(await c.logout()).toEqual({ blacklisted: true })
      expect(c.tokens).toBeNull()
      // The blacklisted pair, given back: its refresh is refused, which is a logout.
      await c.setTokens(tokens)
      await expiry()
      const error = await c.fetch(VIEW).catch((e) => e)
      expect(error).toBeInstanceOf(SessionExpiredError)
      expect(error).toMatchObject({ status: 401, detail: 'Token is blacklisted' })
      expect(c.tokens).toBeNull()
    })

    it("a refused login rejects with simplejwt's body", async ({ expect }) => {
      const { client: c } = client()
      const wrong = await c.login({ username: 'alice', password: 'nope' }).catch((e) => e)
      expect(wrong).toBeInstanceOf(LoginError)
      // simplejwt 5.2.2 writes no `code` here.
      expect(wrong).toMatchObject({
        status: 401,
        body: { detail: 'No active account found with the given credentials' },
      })
      const missing = await c.login({ username: 'alice' }).catch((e) => e)
      expect(missing).toMatchObject({
        status: 400,
        body: { password: ['This field is required.'] },
      })
    })

    it('sliding tokens: refreshed ahead of exp with {token} at the sliding refresh endpoint', async ({
      expect,
    }) => {
      const { client: c, counter } = client({ sliding: true })
      const { access } = await c.login(ALICE)
      await nearExpiry(access)
      const responses = await Promise.all([c.fetch(VIEW), c.fetch(VIEW), c.fetch(VIEW)])
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200])
      expect(counter.count('/api/token/sliding/refresh/')).toBe(1)
      expect(c.tokens?.access).not.toBe(access)
    })

    it('sliding tokens: an expired one is refused by the refresh endpoint too, a logout', async ({
      expect,
    }) => {
      // simplejwt checks a sliding token's exp before its refresh_exp: past exp it cannot be refreshed.
      const { client: c, counter } = client({ sliding: true, refreshMargin: false })
      await c.login(ALICE)
      await expiry()
      await expect(c.fetch(VIEW)).rejects.toBeInstanceOf(SessionExpiredError)
      expect(counter.count('/api/token/sliding/refresh/')).toBe(1)
      expect(c.tokens).toBeNull()
    })
  })
}
