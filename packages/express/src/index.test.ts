import { createRequire } from 'node:module'
import { Client, contractSimpleJWT, runAdapterSuite, serveNode } from '@simplejwt/adapter-tests'
import type { SimpleJWT } from '@simplejwt/core'
import express, { type Request, type Response } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { authenticate, ConfigurationError, requireAuth, tokenRoutes } from './index'

// Express 4, the other major version the peer range allows, with Express 5's types.
const express4 = createRequire(import.meta.url)('express-4') as typeof express

/** The contract's app. */
function contractApp(sjwt: SimpleJWT, app = express()): express.Express {
  const view = (req: Request, res: Response) => {
    res.json({
      user: { id: req.user?.['id'], username: req.user?.['username'] },
      token: req.auth?.payload,
    })
  }
  app.use('/api', tokenRoutes(sjwt))
  app.get('/api/some-protected-view/', requireAuth(sjwt), view)
  app.get('/api/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), view)
  app.get('/api/stateless-view/', requireAuth(sjwt, { stateless: true }), (req, res) => {
    res.json({ user: { id: req.user?.['id'] }, token: req.auth?.payload })
  })
  app.get('/api/optional-view/', authenticate(sjwt), (req, res) => {
    res.json({ user: req.user ? { id: req.user['id'] } : null })
  })
  return app
}

runAdapterSuite('express', async (sjwt) => serveNode(contractApp(sjwt)))
runAdapterSuite('express 4', async (sjwt) => serveNode(contractApp(sjwt, express4())))

describe('express: tokenRoutes', () => {
  it('refuses at mount time to serve the blacklist without a TokenStore', async () => {
    const sjwt = await contractSimpleJWT({}, { tokens: false })
    expect(() => tokenRoutes(sjwt, { blacklist: true })).toThrow(ConfigurationError)
    expect(() => tokenRoutes(sjwt)).not.toThrow()
  })

  describe.each([
    ['express', express],
    ['express 4', express4],
  ])('after a body parser of the app (%s)', (_, framework) => {
    let close: (() => Promise<void>) | undefined
    afterEach(async () => close?.())

    it('takes the body it parsed, and reads the bodies it left', async () => {
      const sjwt = await contractSimpleJWT()
      const server = await serveNode(contractApp(sjwt, framework().use(framework.json())))
      close = server.close
      const client = new Client(() => server.url)
      const alice = { username: 'alice', password: 'alice-password' }
      for (const reply of [
        await client.post('/api/token/', alice),
        await client.form('/api/token/', alice),
      ]) {
        expect(reply.status).toBe(200)
        expect(Object.keys(reply.body as object).sort()).toEqual(['access', 'refresh'])
      }
    })
  })
})
