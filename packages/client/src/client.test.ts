import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeServer, json, jwt } from '../test/fake-server'
import {
  type ClientOptions,
  ConfigurationError,
  createClient,
  InvalidResponseError,
  InvalidTokenError,
  LoginError,
  RefreshError,
  SessionExpiredError,
  type TokenChange,
  type TokenStorage,
  webStorage,
} from './index'

const BASE = 'http://api.test'
const ALICE = { username: 'alice', password: 'alice-password' }
const VIEW = '/api/some-protected-view/'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000)

async function loggedIn(server = new FakeServer(), options: ClientOptions = {}) {
  const client = createClient({ baseUrl: BASE, fetch: server.fetch, ...options })
  await client.login(ALICE)
  return client
}

describe('login', () => {
  it('keeps the pair, tells listeners, and sends the header on fetch', async () => {
    const server = new FakeServer()
    const client = createClient({ baseUrl: BASE, fetch: server.fetch })
    const changes: TokenChange[] = []
    client.onChange((change) => changes.push(change))
    expect(client.tokens).toBeNull()
    const tokens = await client.login(ALICE)
    expect(client.tokens).toEqual(tokens)
    expect(changes).toEqual([{ tokens, reason: 'login' }])
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/api/token/' })
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual(ALICE)
    const response = await client.fetch(VIEW)
    expect(response.status).toBe(200)
    expect(server.requests[1]?.authorization).toBe(`Bearer ${tokens.access}`)
  })

  it('rejects a 401 with LoginError carrying simplejwt body and status', async () => {
    const client = createClient({ baseUrl: BASE, fetch: new FakeServer().fetch })
    const error = await client.login({ username: 'alice', password: 'wrong' }).catch((e) => e)
    expect(error).toBeInstanceOf(LoginError)
    expect(error).toMatchObject({
      code: 'login_failed',
      status: 401,
      detail: 'No active account found with the given credentials',
      serverCode: 'no_active_account',
    })
    expect(error.message).not.toContain('wrong')
    expect(client.tokens).toBeNull()
  })

  it('rejects a 400 with the field errors in the body', async () => {
    const client = createClient({ baseUrl: BASE, fetch: new FakeServer().fetch })
    const error = await client.login({ username: 'alice' }).catch((e) => e)
    expect(error).toMatchObject({ status: 400, body: { password: ['This field is required.'] } })
  })

  it('rejects a network error with LoginError without a status, the cause kept', async () => {
    const cause = new TypeError('fetch failed')
    const client = createClient({ baseUrl: BASE, fetch: () => Promise.reject(cause) })
    const error = await client.login(ALICE).catch((e) => e)
    expect(error).toBeInstanceOf(LoginError)
    expect(error).toMatchObject({ status: undefined, body: null, cause })
  })

  it('rejects an answer without tokens, or with a token that is not a JWT', async () => {
    for (const body of [{ access: 'x' }, { access: 'a.b.c', refresh: 'a.b.c' }, ['no']]) {
      const client = createClient({ baseUrl: BASE, fetch: async () => json(200, body) })
      await expect(client.login(ALICE)).rejects.toBeInstanceOf(InvalidResponseError)
      expect(client.tokens).toBeNull()
    }
  })
})

describe('single flight', () => {
  it('ten requests failing with 401 at once make one refresh; all ten are retried and succeed (rotation, blacklist)', async () => {
    const server = new FakeServer({ accessLifetime: 60 })
    const client = await loggedIn(server, { refreshMargin: false })
    const before = client.tokens
    advance(61)
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(VIEW)))
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(server.refreshes).toBe(1)
    expect(server.requests.filter((r) => r.path === VIEW)).toHaveLength(20)
    expect(client.tokens?.refresh).not.toBe(before?.refresh)
    // The rotated refresh token is the one kept: the next refresh works.
    advance(61)
    expect((await client.fetch(VIEW)).status).toBe(200)
    expect(server.refreshes).toBe(2)
  })

  it('refreshes ahead of exp within refreshMargin: ten calls, one refresh, no 401', async () => {
    const server = new FakeServer({ accessLifetime: 300 })
    const client = await loggedIn(server, { refreshMargin: 30 })
    // Due at exp - 30 s on the server's clock, read from iat (whole seconds) as up to 1 s later.
    advance(268)
    expect((await client.fetch(VIEW)).status).toBe(200)
    expect(server.refreshes).toBe(0)
    advance(1)
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(VIEW)))
    expect(responses.every((r) => r.status === 200)).toBe(true)
    expect(server.refreshes).toBe(1)
    expect(server.requests.filter((r) => r.path === VIEW)).toHaveLength(11)
  })

  it('keeps the margin to half the lifetime of short tokens', async () => {
    const server = new FakeServer({ accessLifetime: 10 })
    const client = await loggedIn(server, { refreshMargin: 30 })
    advance(3)
    await client.fetch(VIEW)
    expect(server.refreshes).toBe(0)
    advance(1)
    await client.fetch(VIEW)
    expect(server.refreshes).toBe(1)
  })

  it("judges exp on the server's clock, estimated from iat", async () => {
    // The server's clock is an hour ahead: without the offset the token would look valid for 65 min.
    const ahead = new FakeServer({ accessLifetime: 300, skew: 3600 })
    const client = await loggedIn(ahead)
    advance(280)
    expect((await client.fetch(VIEW)).status).toBe(200)
    expect(ahead.refreshes).toBe(1)
    expect(ahead.requests.filter((r) => r.path === VIEW)).toHaveLength(1)
    // An hour behind: without the offset every call would refresh.
    const behind = new FakeServer({ accessLifetime: 300, skew: -3600 })
    const other = await loggedIn(behind)
    advance(10)
    expect((await other.fetch(VIEW)).status).toBe(200)
    expect(behind.refreshes).toBe(0)
  })
})

describe('replay safety', () => {
  const bodies: [string, () => BodyInit][] = [
    ['string', () => 'text body'],
    ['Blob', () => new Blob(['blob body'])],
    [
      'FormData',
      () => {
        const form = new FormData()
        form.set('field', 'form body')
        return form
      },
    ],
    ['URLSearchParams', () => new URLSearchParams({ field: 'params body' })],
    ['ArrayBuffer', () => new TextEncoder().encode('buffer body').buffer as ArrayBuffer],
    ['Uint8Array', () => new TextEncoder().encode('view body')],
  ]
  for (const [kind, make] of bodies) {
    it(`retries a ${kind} body, sending the same bytes again`, async () => {
      const server = new FakeServer({ accessLifetime: 60 })
      const client = await loggedIn(server, { refreshMargin: false })
      advance(61)
      const response = await client.fetch(VIEW, { method: 'POST', body: make() })
      expect(response.status).toBe(200)
      const sent = server.requests.filter((r) => r.path === VIEW)
      expect(sent).toHaveLength(2)
      // FormData gets a new multipart boundary each time it is serialized.
      const same = (body = '') => body.replace(/formdata-undici-\d+/g, 'boundary')
      expect(same(sent[1]?.body)).toBe(same(sent[0]?.body))
      expect(sent[0]?.body).toContain('body')
    })
  }

  it('returns the 401 for a stream body, which cannot be sent twice, without refreshing', async () => {
    const server = new FakeServer({ accessLifetime: 60 })
    const client = await loggedIn(server, { refreshMargin: false })
    advance(61)
    const body = new Blob(['stream body']).stream()
    const response = await client.fetch(VIEW, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ code: 'token_not_valid' })
    expect(server.refreshes).toBe(0)
  })

  it('clones a Request before the first send and retries the clone', async () => {
    const server = new FakeServer({ accessLifetime: 60 })
    const client = await loggedIn(server, { refreshMargin: false })
    advance(61)
    const request = new Request(`${BASE}${VIEW}`, {
      method: 'POST',
      body: 'request body',
      headers: { 'x-extra': '1' },
    })
    const response = await client.fetch(request)
    expect(response.status).toBe(200)
    const sent = server.requests.filter((r) => r.path === VIEW)
    expect(sent.map((r) => r.body)).toEqual(['request body', 'request body'])
    expect(sent[1]?.authorization).toBe(`Bearer ${client.tokens?.access}`)
  })
})

describe('what is and is not a logout', () => {
  it('the refresh endpoint answering 401 logs out: SessionExpiredError, tokens forgotten', async () => {
    const server = new FakeServer({ accessLifetime: 60 })
    const client = await loggedIn(server, { refreshMargin: false })
    const changes: TokenChange[] = []
    client.onChange((change) => changes.push(change))
    server.refreshReply = () =>
      json(401, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    advance(61)
    const error = await client.fetch(VIEW).catch((e) => e)
    expect(error).toBeInstanceOf(SessionExpiredError)
    expect(error).toMatchObject({
      code: 'session_expired',
      status: 401,
      detail: 'Token is blacklisted',
    })
    expect(client.tokens).toBeNull()
    expect(changes).toEqual([{ tokens: null, reason: 'expired' }])
  })

  const keeps: [string, () => Promise<Response>, number | undefined][] = [
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), undefined],
    ['a 500', async () => new Response('<h1>Server Error</h1>', { status: 500 }), 500],
    [
      "a 503 from the project's stores",
      async () =>
        json(503, {
          detail: 'Service temporarily unavailable, try again later.',
          code: 'store_unavailable',
        }),
      503,
    ],
    ['a 429', async () => json(429, { detail: 'Request was throttled.' }), 429],
  ]
  for (const [what, reply, status] of keeps) {
    it(`${what} from the refresh endpoint keeps the tokens and rejects with RefreshError`, async () => {
      const server = new FakeServer({ accessLifetime: 60 })
      const client = await loggedIn(server, { refreshMargin: false })
      const tokens = client.tokens
      server.refreshReply = reply
      advance(61)
      const error = await client.fetch(VIEW).catch((e) => e)
      expect(error).toBeInstanceOf(RefreshError)
      expect(error).toMatchObject({ code: 'refresh_failed', status })
      if (status === 503) expect(error.serverCode).toBe('store_unavailable')
      expect(client.tokens).toEqual(tokens)
      // Once the server is back, the same tokens refresh.
      server.refreshReply = undefined
      expect((await client.fetch(VIEW)).status).toBe(200)
    })
  }

  it('a refresh ahead of time that fails does not fail a call the token still covers', async () => {
    const server = new FakeServer({ accessLifetime: 300 })
    const client = await loggedIn(server)
    server.refreshReply = async () => json(503, { detail: 'x', code: 'store_unavailable' })
    advance(290)
    expect((await client.fetch(VIEW)).status).toBe(200)
    expect(server.refreshes).toBe(1)
  })

  it('a 403 is never a reason to refresh', async () => {
    const server = new FakeServer()
    const client = await loggedIn(server)
    const response = await client.fetch('/api/admin-only-view/')
    expect(response.status).toBe(403)
    expect(server.refreshes).toBe(0)
  })

  it('a 401 about something else than the token is returned as it is', async () => {
    const server = new FakeServer()
    const client = await loggedIn(server)
    const response = await client.fetch('/api/other-401/')
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ detail: 'Some other reason.', code: 'other' })
    expect(server.refreshes).toBe(0)
  })

  it('a 401 that is not JSON is returned as it is', async () => {
    const server = new FakeServer()
    const client = await loggedIn(server)
    const response = await client.fetch('/api/html-401/')
    expect(response.status).toBe(401)
    expect(await response.text()).toBe('<html>Unauthorized</html>')
    expect(server.refreshes).toBe(0)
  })
})

describe('bad input', () => {
  const answers: [string, () => Response][] = [
    ['a body that is not JSON', () => new Response('not json', { status: 200 })],
    ['a body that is not simplejwt shape', () => json(200, { token: 1 })],
    ['an access token that is not a JWT', () => json(200, { access: 'not-a-jwt' })],
    [
      'an access token whose exp is not a number',
      () => json(200, { access: jwt({ token_type: 'access', exp: '2030-01-01', iat: 1 }) }),
    ],
  ]
  for (const [what, reply] of answers) {
    it(`a refresh answered with ${what}: InvalidResponseError, tokens kept`, async () => {
      const server = new FakeServer({ accessLifetime: 60 })
      const client = await loggedIn(server, { refreshMargin: false })
      const tokens = client.tokens
      server.refreshReply = async () => reply()
      advance(61)
      const error = await client.fetch(VIEW).catch((e) => e)
      expect(error).toBeInstanceOf(InvalidResponseError)
      expect(error.code).toBe('invalid_response')
      expect(client.tokens).toEqual(tokens)
      expect(server.refreshes).toBe(1)
    })
  }

  it('a refreshed token the server refuses stops after one retry', async () => {
    const server = new FakeServer({ accessLifetime: 60 })
    const client = await loggedIn(server, { refreshMargin: false })
    advance(61)
    server.refuseAll = true
    const response = await client.fetch(VIEW)
    expect(response.status).toBe(401)
    expect(server.refreshes).toBe(1)
    expect(server.requests.filter((r) => r.path === VIEW)).toHaveLength(2)
  })

  it('a refreshed-ahead token the server refuses is not refreshed again in the same call', async () => {
    const server = new FakeServer({ accessLifetime: 300 })
    const client = await loggedIn(server)
    advance(290)
    server.refuseAll = true
    expect((await client.fetch(VIEW)).status).toBe(401)
    expect(server.refreshes).toBe(1)
  })

  it('setTokens refuses a token that is not a JWT or has a non-numeric exp', async () => {
    const client = createClient({ baseUrl: BASE, fetch: new FakeServer().fetch })
    const good = jwt({ exp: 2_000_000_000 })
    await expect(client.setTokens({ access: 'abc', refresh: good })).rejects.toBeInstanceOf(
      InvalidTokenError,
    )
    await expect(client.setTokens({ access: jwt({ exp: 'soon' }), refresh: good })).rejects.toThrow(
      /"exp" claim is not a number/,
    )
    await expect(client.setTokens({ access: good })).rejects.toBeInstanceOf(InvalidTokenError)
    expect(client.tokens).toBeNull()
  })

  it('refuses options it cannot use, at creation', () => {
    expect(() => createClient({ fetch: new FakeServer().fetch })).toThrow(ConfigurationError)
    expect(() => createClient({ baseUrl: 'not a url' })).toThrow(ConfigurationError)
    expect(() => createClient({ baseUrl: BASE, refreshMargin: -1 })).toThrow(ConfigurationError)
  })
})

describe('headers and origins', () => {
  it('sends no token to other origins, and does not refresh for their 401', async () => {
    const server = new FakeServer()
    const client = await loggedIn(server)
    await client.fetch(VIEW)
    await client.fetch('http://elsewhere.test/api/some-protected-view/')
    const [own, other] = server.requests.filter((r) => r.path === VIEW)
    expect(own?.authorization).toBe(`Bearer ${client.tokens?.access}`)
    expect(other?.authorization).toBe('')
    expect(server.refreshes).toBe(0)
    expect(server.requests.filter((r) => r.path === VIEW)).toHaveLength(2)
  })

  it('uses headerName and headerType', async () => {
    const server = new FakeServer()
    const seen: (string | null)[] = []
    const client = createClient({
      baseUrl: BASE,
      headerName: 'X-Token',
      headerType: 'JWT',
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers)
        seen.push(headers.get('x-token'), headers.get('authorization'))
        return server.fetch(input, init)
      },
    })
    await client.setTokens(server.pair())
    await client.fetch('/api/admin-only-view/')
    expect(seen).toEqual([`JWT ${client.tokens?.access}`, null])
  })

  it('sends requests without a token when logged out', async () => {
    const server = new FakeServer()
    const client = createClient({ baseUrl: BASE, fetch: server.fetch })
    expect((await client.fetch(VIEW)).status).toBe(401)
    expect(server.requests[0]?.authorization).toBe('')
    expect(server.refreshes).toBe(0)
  })
})

describe('verify and getAccessToken', () => {
  it('asks the verify endpoint; hands out the access token, refreshed when due', async () => {
    const server = new FakeServer({ accessLifetime: 300 })
    const client = await loggedIn(server)
    expect(await client.verify()).toBe(true)
    expect(await client.verify('a.b.c')).toBe(false)
    const first = await client.getAccessToken()
    expect(first).toBe(client.tokens?.access)
    advance(290)
    const second = await client.getAccessToken()
    expect(second).not.toBe(first)
    expect(server.refreshes).toBe(1)
    await client.logout()
    expect(await client.getAccessToken()).toBeNull()
    expect(await client.verify()).toBe(false)
  })
})

describe('logout', () => {
  it('blacklists the refresh token, forgets the tokens, tells listeners', async () => {
    const server = new FakeServer()
    const client = await loggedIn(server)
    const refresh = client.tokens?.refresh
    const changes: TokenChange[] = []
    client.onChange((change) => changes.push(change))
    expect(await client.logout()).toEqual({ blacklisted: true })
    expect(JSON.parse(server.requests.at(-1)?.body ?? '')).toEqual({ refresh })
    expect(client.tokens).toBeNull()
    expect(changes).toEqual([{ tokens: null, reason: 'logout' }])
  })

  it('is fine with a server without the endpoint (404) or unreachable', async () => {
    for (const reply of [async () => json(404, {}), () => Promise.reject(new TypeError('x'))]) {
      const server = new FakeServer()
      const client = createClient({
        baseUrl: BASE,
        fetch: (input, init) =>
          String(input).includes('blacklist') ? reply() : server.fetch(input, init),
      })
      await client.login(ALICE)
      expect(await client.logout()).toEqual({ blacklisted: false })
      expect(client.tokens).toBeNull()
    }
  })
})

describe('sliding tokens', () => {
  it('obtain gives {token}; refresh posts {token} to the sliding refresh endpoint', async () => {
    // simplejwt refuses to refresh a sliding token past its exp: it is refreshed ahead of time.
    const server = new FakeServer({ sliding: true, accessLifetime: 60 })
    const client = await loggedIn(server, { sliding: true, refreshMargin: 10 })
    expect(server.requests[0]?.path).toBe('/api/token/sliding/')
    const token = client.tokens?.access
    expect(client.tokens?.refresh).toBe(token)
    advance(55)
    const responses = await Promise.all([client.fetch(VIEW), client.fetch(VIEW)])
    expect(responses.map((r) => r.status)).toEqual([200, 200])
    const refreshes = server.requests.filter((r) => r.path === '/api/token/sliding/refresh/')
    expect(refreshes).toHaveLength(1)
    expect(JSON.parse(refreshes[0]?.body ?? '')).toEqual({ token })
    await client.logout()
    expect(server.requests.some((r) => r.path === '/api/token/blacklist/')).toBe(false)
  })
})

class MapStorage implements Storage {
  readonly map = new Map<string, string>()
  get length() {
    return this.map.size
  }
  clear() {
    this.map.clear()
  }
  getItem(key: string) {
    return this.map.get(key) ?? null
  }
  key(index: number) {
    return [...this.map.keys()][index] ?? null
  }
  removeItem(key: string) {
    this.map.delete(key)
  }
  setItem(key: string, value: string) {
    this.map.set(key, value)
  }
}

describe('storage', () => {
  it('keeps the tokens in a web Storage and reads them back in a new client', async () => {
    const server = new FakeServer()
    const storage = new MapStorage()
    const first = await loggedIn(server, { storage: webStorage(storage) })
    expect(JSON.parse(storage.getItem('simplejwt.tokens') ?? '')).toEqual(first.tokens)
    const second = createClient({
      baseUrl: BASE,
      fetch: server.fetch,
      storage: webStorage(storage),
    })
    expect(second.tokens).toEqual(first.tokens)
    await second.logout()
    expect(storage.length).toBe(0)
  })

  it('drops a corrupt stored value instead of throwing', async () => {
    const good = jwt({ exp: 2_000_000_000 })
    for (const corrupt of [
      '{not json',
      '"a string"',
      '{"access": 1}',
      JSON.stringify({ access: 'x.y.z', refresh: good }),
    ]) {
      const storage = new MapStorage()
      storage.setItem('simplejwt.tokens', corrupt)
      const client = createClient({ baseUrl: BASE, storage: webStorage(storage) })
      expect(client.tokens).toBeNull()
      expect(storage.getItem('simplejwt.tokens')).toBeNull()
    }
  })

  it('works with an async get/set/remove storage (as AsyncStorage)', async () => {
    const server = new FakeServer()
    const map = new Map<string, string>()
    const storage: TokenStorage = {
      get: async (key) => map.get(key) ?? null,
      set: async (key, value) => {
        map.set(key, value)
      },
      remove: async (key) => {
        map.delete(key)
      },
    }
    const first = await loggedIn(server, { storage })
    expect(map.size).toBe(1)
    const second = createClient({ baseUrl: BASE, fetch: server.fetch, storage })
    await second.ready()
    expect(second.tokens).toEqual(first.tokens)
    expect((await second.fetch(VIEW)).status).toBe(200)
    map.set('simplejwt.tokens', '{corrupt')
    const third = createClient({ baseUrl: BASE, fetch: server.fetch, storage })
    await third.ready()
    expect(third.tokens).toBeNull()
    expect(map.size).toBe(0)
  })
})

/** Web Locks as a browser gives them: one holder per name, the others queued. */
function fakeLocks() {
  const queues = new Map<string, Promise<unknown>>()
  return {
    request: (name: string, task: () => Promise<unknown>) => {
      const previous = queues.get(name) ?? Promise.resolve()
      const run = previous.then(task, task)
      queues.set(
        name,
        run.catch(() => {}),
      )
      return run
    },
  }
}

describe('pages sharing one storage', () => {
  const sharedStorage = (): TokenStorage => {
    const map = new Map<string, string>()
    return {
      get: (key) => map.get(key) ?? null,
      set: (key, value) => {
        map.set(key, value)
      },
      remove: (key) => {
        map.delete(key)
      },
      shared: true,
    }
  }

  it('with Web Locks, two pages whose token expired make one refresh between them', async () => {
    vi.stubGlobal('navigator', { locks: fakeLocks() })
    const server = new FakeServer({ accessLifetime: 60 })
    const storage = sharedStorage()
    const options = { baseUrl: BASE, fetch: server.fetch, storage, refreshMargin: false } as const
    const one = createClient(options)
    await one.login(ALICE)
    const two = createClient(options)
    advance(61)
    const responses = await Promise.all([one.fetch(VIEW), two.fetch(VIEW), two.fetch(VIEW)])
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200])
    expect(server.refreshes).toBe(1)
    expect(two.tokens).toEqual(one.tokens)
    one.close()
    two.close()
  })

  it('without Web Locks, a page whose refresh is refused takes the pair another page stored', async () => {
    vi.stubGlobal('navigator', undefined)
    const server = new FakeServer({ accessLifetime: 60 })
    const storage = sharedStorage()
    const options = { baseUrl: BASE, fetch: server.fetch, storage, refreshMargin: false } as const
    const one = createClient(options)
    await one.login(ALICE)
    const two = createClient(options)
    advance(61)
    const responses = await Promise.all([one.fetch(VIEW), two.fetch(VIEW)])
    expect(responses.map((r) => r.status)).toEqual([200, 200])
    expect(one.tokens).not.toBeNull()
    expect(two.tokens).toEqual(one.tokens)
    one.close()
    two.close()
  })
})
