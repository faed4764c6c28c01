import axios, { type AxiosAdapter, type AxiosResponse } from 'axios'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeServer } from '../test/fake-server'
import { attachToAxios } from './axios'
import { createClient } from './index'

const BASE = 'http://api.test'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
})

/** axios on the fake server: its adapter sends each request through the server's fetch. */
function setup() {
  const server = new FakeServer({ accessLifetime: 60 })
  const client = createClient({ baseUrl: BASE, fetch: server.fetch, refreshMargin: false })
  const adapter: AxiosAdapter = async (config) => {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(config.headers.toJSON())) {
      if (typeof value === 'string') headers[name] = value
    }
    const response = await server.fetch(axios.getUri(config), {
      method: config.method?.toUpperCase() ?? 'GET',
      headers,
      body: typeof config.data === 'string' ? config.data : null,
    })
    const reply: AxiosResponse = {
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers),
      data: await response.json(),
      config,
    }
    if (response.status >= 400) {
      throw new axios.AxiosError('failed', undefined, config, undefined, reply)
    }
    return reply
  }
  const instance = axios.create({ baseURL: BASE, adapter })
  attachToAxios(client, instance)
  return { server, client, instance }
}

describe('attachToAxios', () => {
  it('ten 401s at once: one refresh, each request retried once', async () => {
    const { server, client, instance } = setup()
    await client.login({ username: 'alice', password: 'alice-password' })
    vi.setSystemTime(Date.now() + 61_000)
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => instance.get('/api/some-protected-view/')),
    )
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(server.refreshes).toBe(1)
    expect(server.requests.filter((r) => r.path === '/api/some-protected-view/')).toHaveLength(20)
  })

  it('does not refresh for a 403 or a 401 about something else, nor retry twice', async () => {
    const { server, client, instance } = setup()
    await client.login({ username: 'alice', password: 'alice-password' })
    await expect(instance.get('/api/admin-only-view/')).rejects.toMatchObject({
      response: { status: 403 },
    })
    await expect(instance.get('/api/other-401/')).rejects.toMatchObject({
      response: { status: 401 },
    })
    expect(server.refreshes).toBe(0)
    vi.setSystemTime(Date.now() + 61_000)
    server.refuseAll = true
    await expect(instance.get('/api/some-protected-view/')).rejects.toMatchObject({
      response: { status: 401 },
    })
    expect(server.refreshes).toBe(1)
    expect(server.requests.filter((r) => r.path === '/api/some-protected-view/')).toHaveLength(2)
  })

  it('sends no token to other origins, not even on a retry after their 401', async () => {
    const { server, client, instance } = setup()
    await client.login({ username: 'alice', password: 'alice-password' })
    await instance.get('http://elsewhere.test/api/some-protected-view/').catch(() => {})
    expect(server.requests.at(-1)?.authorization).toBe('')
    expect(server.refreshes).toBe(0)
  })
})
