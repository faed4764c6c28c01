import { getRequestListener } from '@hono/node-server'
import { contractSimpleJWT, runAdapterSuite, serveNode } from '@simplejwt/adapter-tests'
import type { SimpleJWT } from '@simplejwt/core'
import { type Context, Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import {
  authenticate,
  ConfigurationError,
  requireAuth,
  type SimpleJWTVariables,
  tokenRoutes,
} from './index'

type Env = { Variables: SimpleJWTVariables }

/** The contract's app. */
function contractApp(sjwt: SimpleJWT): Hono<Env> {
  const view = (c: Context<Env>) =>
    c.json({
      user: { id: c.get('user')['id'], username: c.get('user')['username'] },
      token: c.get('auth').payload,
    })
  return new Hono<Env>()
    .route('/api', tokenRoutes(sjwt))
    .get('/api/some-protected-view/', requireAuth(sjwt), view)
    .get('/api/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), view)
    .get('/api/stateless-view/', requireAuth(sjwt, { stateless: true }), (c) =>
      c.json({ user: { id: c.get('user')['id'] }, token: c.get('auth').payload }),
    )
    .get('/api/optional-view/', authenticate(sjwt), (c) => {
      const user = c.get('user')
      return c.json({ user: user ? { id: user['id'] } : null })
    })
}

runAdapterSuite('hono', async (sjwt) => serveNode(getRequestListener(contractApp(sjwt).fetch)))

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
