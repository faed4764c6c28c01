import { createRequire } from 'node:module'
import { Client, contractSimpleJWT, runAdapterSuite, serveNode } from '@simplejwt/adapter-tests'
import type { SimpleJWT } from '@simplejwt/core'
import Koa, { type Middleware, type ParameterizedContext } from 'koa'
import { afterEach, describe, expect, it } from 'vitest'
import {
  authenticate,
  ConfigurationError,
  requireAuth,
  type SimpleJWTState,
  tokenRoutes,
} from './index'

// Koa 2, the other major version the peer range allows, with Koa 3's types.
const Koa2 = createRequire(import.meta.url)('koa-2') as typeof Koa

/** `GET path`, through `guard`, answered by `view`. */
function route<S>(
  path: string,
  guard: Middleware<S>,
  view: (ctx: ParameterizedContext<S>) => unknown,
): Middleware<S> {
  return (ctx, next) =>
    ctx.method === 'GET' && ctx.path === path
      ? guard(ctx, async () => {
          ctx.body = view(ctx)
        })
      : next()
}

/** The contract's app. */
function contractApp(sjwt: SimpleJWT, app = new Koa()) {
  const view = ({ state }: ParameterizedContext<SimpleJWTState>) => ({
    user: { id: state.user['id'], username: state.user['username'] },
    token: state.auth.payload,
  })
  return app
    .use(tokenRoutes(sjwt, { prefix: '/api' }))
    .use(route('/api/some-protected-view/', requireAuth(sjwt), view))
    .use(route('/api/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), view))
    .use(
      route('/api/stateless-view/', requireAuth(sjwt, { stateless: true }), ({ state }) => ({
        user: { id: state.user['id'] },
        token: state.auth.payload,
      })),
    )
    .use(
      route('/api/optional-view/', authenticate(sjwt), ({ state }) => ({
        user: state.user ? { id: state.user['id'] } : null,
      })),
    )
}

runAdapterSuite('koa', async (sjwt) => serveNode(contractApp(sjwt).callback()))
runAdapterSuite('koa 2', async (sjwt) => serveNode(contractApp(sjwt, new Koa2()).callback()))

describe('koa: tokenRoutes', () => {
  it('refuses at mount time to serve the blacklist without a TokenStore', async () => {
    const sjwt = await contractSimpleJWT({}, { tokens: false })
    expect(() => tokenRoutes(sjwt, { blacklist: true })).toThrow(ConfigurationError)
    expect(() => tokenRoutes(sjwt)).not.toThrow()
  })

  describe('after a body parser of the app', () => {
    let close: (() => Promise<void>) | undefined
    afterEach(async () => close?.())

    it('takes the body it parsed, and reads the bodies it left', async () => {
      const jsonParser: Middleware = async (ctx, next) => {
        if (ctx.is('application/json')) {
          let text = ''
          for await (const chunk of ctx.req) text += chunk
          Object.assign(ctx.request, { body: JSON.parse(text) })
        }
        await next()
      }
      const sjwt = await contractSimpleJWT()
      const server = await serveNode(contractApp(sjwt, new Koa().use(jsonParser)).callback())
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
