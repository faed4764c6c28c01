import { getRequestListener } from '@hono/node-server'
import { contractSimpleJWT, runAdapterSuite, serveNode } from '@simplejwt/adapter-tests'
import type { SimpleJWT } from '@simplejwt/core'
import { type Context, Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import {
  authenticate,
  ConfigurationError,
  protect,
  requireAuth,
  type SimpleJWTVariables,
  tokenRoutes,
} from './index'

type Env = { Variables: SimpleJWTVariables }

const view = (c: Context<Env>) =>
  c.json({
    user: { id: c.get('user')['id'], username: c.get('user')['username'] },
    token: c.get('auth').payload,
  })
const statelessView = (c: Context<Env>) =>
  c.json({ user: { id: c.get('user')['id'] }, token: c.get('auth').payload })

/** The contract's app, its views behind `requireAuth`. */
function contractApp(sjwt: SimpleJWT): Hono<Env> {
  return new Hono<Env>()
    .route('/api', tokenRoutes(sjwt))
    .get('/api/some-protected-view/', requireAuth(sjwt), view)
    .get('/api/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), view)
    .get('/api/stateless-view/', requireAuth(sjwt, { stateless: true }), statelessView)
    .get('/api/optional-view/', authenticate(sjwt), (c) => {
      const user = c.get('user')
      return c.json({ user: user ? { id: user['id'] } : null })
    })
}

/** The same app, its views wrapped by `protect`. */
function protectedApp(sjwt: SimpleJWT): Hono<Env> {
  return new Hono<Env>()
    .route('/api', tokenRoutes(sjwt))
    .get('/api/some-protected-view/', protect(sjwt, view))
    .get('/api/admin-only-view/', protect(sjwt, view, { permission: 'staff' }))
    .get('/api/stateless-view/', protect(sjwt, statelessView, { stateless: true }))
    .get('/api/optional-view/', authenticate(sjwt), (c) => {
      const user = c.get('user')
      return c.json({ user: user ? { id: user['id'] } : null })
    })
}

runAdapterSuite('hono', async (sjwt) => serveNode(getRequestListener(contractApp(sjwt).fetch)))
runAdapterSuite('hono protect()', async (sjwt) =>
  serveNode(getRequestListener(protectedApp(sjwt).fetch)),
)

describe('hono: protect', () => {
  it('answers without a promise when nothing had to be waited for, as a one-handler route does', async () => {
    const sjwt = await contractSimpleJWT()
    const app = new Hono<Env>().get(
      '/me',
      protect(sjwt, (c) => c.json({ id: c.get('user')['id'] })),
    )
    const access = await (await sjwt.AccessToken.forUser({ id: 1 })).sign()
    const request = (headers: Record<string, string>) => new Request('http://host/me', { headers })
    const served = app.fetch(request({ authorization: `Bearer ${access}` }))
    expect(served).toBeInstanceOf(Response)
    expect(await (served as Response).json()).toEqual({ id: 1 })
    const refused = app.fetch(request({}))
    expect(refused).toBeInstanceOf(Response)
    expect((refused as Response).status).toBe(401)
  })
})

describe('hono: tokenRoutes', () => {
  it('refuses at mount time to serve the blacklist without a TokenStore', async () => {
    const sjwt = await contractSimpleJWT({}, { tokens: false })
    expect(() => tokenRoutes(sjwt, { blacklist: true })).toThrow(ConfigurationError)
    expect(() => tokenRoutes(sjwt)).not.toThrow()
  })

  it('reads a body that a middleware of the app read before', async () => {
    const sjwt = await contractSimpleJWT()
    const app = new Hono()
      .use(async (c, next) => {
        await c.req.json()
        await next()
      })
      .route('/api', tokenRoutes(sjwt))
    const response = await app.request('/api/token/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
    expect(response.status).toBe(200)
    expect(Object.keys(await response.json()).sort()).toEqual(['access', 'refresh'])
  })
})
