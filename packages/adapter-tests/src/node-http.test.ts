// The core's README example, a server on plain node:http with no framework, kept working here.
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type CoreRequest,
  type CoreResponse,
  createSimpleJWT,
  MemoryTokenStore,
  MemoryUserStore,
  type SimpleJWT,
} from '@simplejwt/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, claims, field } from './client'

// --- the example, as the README shows it ---------------------------------------------------------

function app(sjwt: SimpleJWT): RequestListener {
  const endpoints: Record<string, (request: CoreRequest) => Promise<CoreResponse>> = {
    '/api/token/': (r) => sjwt.obtainTokenPair(r),
    '/api/token/refresh/': (r) => sjwt.refreshToken(r),
    '/api/token/verify/': (r) => sjwt.verifyToken(r),
    '/api/token/blacklist/': (r) => sjwt.blacklistToken(r),
  }

  return async (req, res) => {
    const send = ({ status, headers, body }: CoreResponse) =>
      res
        .writeHead(status, { ...headers, 'content-type': 'application/json' })
        .end(JSON.stringify(body))
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const endpoint = Object.hasOwn(endpoints, pathname) ? endpoints[pathname] : undefined

    if (req.method === 'POST' && endpoint) {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk)
      // JSON, form-urlencoded and multipart as DRF parses them; 400/413/415 otherwise.
      const parsed = await sjwt.parseBody(req.headers, Buffer.concat(chunks))
      if (!parsed.ok) return send(parsed.response)
      return send(await endpoint({ headers: req.headers, body: parsed.body }))
    }
    if (req.method === 'GET' && pathname === '/api/some-protected-view/') {
      // Or { permission: 'staff' }, or { stateless: true } for a user built from the token alone.
      const auth = await sjwt.authorize({ headers: req.headers })
      if (!auth.ok) return send(auth.response) // 401 or 403, simplejwt's body and headers
      const user = { id: auth.user['id'], username: auth.user['username'] }
      return send({ status: 200, headers: {}, body: { user, token: auth.token.payload } })
    }
    return send({ status: 404, headers: {}, body: { detail: 'Not found.' } })
  }
}

// --- its tests ----------------------------------------------------------------------------------

describe('the node:http example', () => {
  const server = createServer()
  const client = new Client(() => `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const alice = { username: 'alice', password: 'alice-password' }

  beforeAll(async () => {
    const sjwt = await createSimpleJWT({
      settings: { SIGNING_KEY: 'example-secret-key-0123456789abcdef' },
      users: await MemoryUserStore.create([
        { id: 1, username: 'alice', password: 'alice-password' },
      ]),
      tokens: new MemoryTokenStore(),
    })
    server.on('request', app(sjwt))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('issues, refreshes, verifies and blacklists tokens, from JSON or form bodies', async () => {
    const pair = await client.form('/api/token/', alice)
    expect(pair.status).toBe(200)
    const refresh = field(pair, 'refresh')
    const refreshed = await client.post('/api/token/refresh/', { refresh })
    expect(claims(field(refreshed, 'access'))).toMatchObject({ token_type: 'access', user_id: 1 })
    expect(await client.post('/api/token/verify/', { token: refresh })).toMatchObject({
      status: 200,
      body: {},
    })
    expect((await client.post('/api/token/blacklist/', { refresh })).status).toBe(200)
    expect(await client.post('/api/token/refresh/', { refresh })).toMatchObject({
      status: 401,
      body: { detail: 'Token is blacklisted', code: 'token_not_valid' },
    })
  })

  it('answers the protected view with the user and the payload', async () => {
    const access = field(await client.post('/api/token/', alice), 'access')
    const reply = await client.get('/api/some-protected-view/', {
      authorization: `Bearer ${access}`,
    })
    expect(reply).toMatchObject({
      status: 200,
      body: { user: { id: 1, username: 'alice' }, token: claims(access) },
    })
  })

  it("answers the core's errors with their headers", async () => {
    const anonymous = await client.get('/api/some-protected-view/', { 'accept-language': 'ko' })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    expect(anonymous.headers.get('content-language')).toBe('ko')
    expect(await client.raw('/api/token/', '{', 'application/json')).toMatchObject({ status: 400 })
    expect(await client.raw('/api/token/', 'x', 'text/plain')).toMatchObject({ status: 415 })
    expect(await client.post('/api/token/', { username: 'alice' })).toMatchObject({
      status: 400,
      body: { password: ['This field is required.'] },
    })
    expect((await client.post('/api/nowhere/')).status).toBe(404)
  })
})
