// One framework's benchmark server, run in its own process (the load generator gets the other
// core): `tsx src/http/server.ts express|hono|koa`. Prints one JSON line, `{ port, access,
// refresh }`, once it listens on 127.0.0.1, and stops when its standard input closes.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createSimpleJWT, MemoryTokenStore, MemoryUserStore, type SimpleJWT } from '@simplejwt/core'
import * as simplejwtExpress from '@simplejwt/express'
import * as simplejwtHono from '@simplejwt/hono'
import * as simplejwtKoa from '@simplejwt/koa'
import express from 'express'
import { expressjwt } from 'express-jwt'
import { Hono } from 'hono'
import { jwt as honoJwt } from 'hono/jwt'
import Koa from 'koa'
import koaJwt from 'koa-jwt'
import { SECRET } from '../fixtures'
import { FRAMEWORKS, type Framework, ROUTES } from './routes'

const ALICE = { id: 1, username: 'alice' }

async function configure(cache: boolean): Promise<SimpleJWT> {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ACCESS_TOKEN_LIFETIME: 3600, VERIFIED_TOKEN_CACHE: cache },
    users: await users,
    tokens: new MemoryTokenStore(),
  })
}

const users = MemoryUserStore.create([{ ...ALICE, password: 'alice-password' }])

async function main(framework: Framework): Promise<void> {
  const sjwt = await configure(true)
  const uncached = await configure(false)
  const refresh = await sjwt.RefreshToken.forUser((await (await users).getUser('id', 1)) ?? ALICE)
  const refreshText = await refresh.sign()
  const access = await refresh.accessToken.sign()
  // The unprotected view answers with the same bytes as the protected ones.
  const payload = (await sjwt.AccessToken.decode(access)).payload
  const body = (id: unknown, claims: unknown) => ({
    user: { id, username: ALICE.username },
    token: claims,
  })
  const port = await listen(framework, sjwt, uncached, payload, body)
  process.stdout.write(`${JSON.stringify({ port, access, refresh: refreshText })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

type Body = (id: unknown, claims: unknown) => unknown

function listen(
  framework: Framework,
  sjwt: SimpleJWT,
  uncached: SimpleJWT,
  payload: unknown,
  body: Body,
): Promise<number> {
  switch (framework) {
    case 'express':
      return listenNode(expressApp(sjwt, uncached, payload, body))
    case 'koa':
      return listenNode(koaApp(sjwt, uncached, payload, body).callback())
    case 'hono':
      return new Promise((resolve) => {
        serve(
          { fetch: honoApp(sjwt, uncached, payload, body).fetch, port: 0, hostname: '127.0.0.1' },
          (info) => resolve(info.port),
        )
      })
  }
}

function listenNode(listener: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(listener)
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

function expressApp(sjwt: SimpleJWT, uncached: SimpleJWT, payload: unknown, body: Body) {
  const { requireAuth, tokenRoutes } = simplejwtExpress
  const app = express()
  const view = (req: express.Request, res: express.Response) => {
    res.json(body(req.user?.['id'], req.auth?.payload))
  }
  const plain = (_req: express.Request, res: express.Response) => {
    res.json(body(ALICE.id, payload))
  }
  app.get(ROUTES.plain, plain)
  app.get(ROUTES.passThrough, (_req, _res, next) => next(), plain)
  app.get(ROUTES.cpu, (_req, res) => {
    res.json(process.cpuUsage())
  })
  app.get(ROUTES.simplejwt, requireAuth(sjwt), view)
  app.get(ROUTES.simplejwtNoCache, requireAuth(uncached), view)
  // express-jwt's README: `expressjwt({ secret, algorithms: ["HS256"] })`; it sets `req.auth`.
  app.get(ROUTES.native, expressjwt({ secret: SECRET, algorithms: ['HS256'] }), (req, res) => {
    const claims = (req as unknown as { auth: { user_id: unknown } }).auth
    res.json(body(claims.user_id, claims))
  })
  app.use('/api', tokenRoutes(sjwt))
  return app
}

function koaApp(sjwt: SimpleJWT, uncached: SimpleJWT, payload: unknown, body: Body) {
  const { requireAuth, tokenRoutes } = simplejwtKoa
  const app = new Koa()
  type Context = Koa.ParameterizedContext<Record<string, unknown>>
  const view = (ctx: Context) => {
    const user = ctx.state['user'] as { id?: unknown } | undefined
    ctx.body = body(user?.id, (ctx.state['auth'] as { payload?: unknown } | undefined)?.payload)
  }
  // koa-jwt's README: `app.use(jwt({ secret: 'shared-secret' }))`; it sets `ctx.state.user`.
  const native = koaJwt({ secret: SECRET })
  // Each route ends the chain: the view runs as the middleware's `next`.
  const protectedBy =
    (middleware: Koa.Middleware, then: (ctx: Context) => void): Koa.Middleware =>
    (ctx) =>
      middleware(ctx, async () => {
        then(ctx as Context)
      })
  const plain = (ctx: Context) => {
    ctx.body = body(ALICE.id, payload)
  }
  const routes = new Map<string, Koa.Middleware>([
    [ROUTES.plain, plain],
    [ROUTES.passThrough, protectedBy((_ctx, next) => next(), plain)],
    [
      ROUTES.cpu,
      (ctx) => {
        ctx.body = process.cpuUsage()
      },
    ],
    [ROUTES.simplejwt, protectedBy(requireAuth(sjwt) as Koa.Middleware, view)],
    [ROUTES.simplejwtNoCache, protectedBy(requireAuth(uncached) as Koa.Middleware, view)],
    [
      ROUTES.native,
      protectedBy(native, (ctx) => {
        const claims = ctx.state['user'] as { user_id: unknown }
        ctx.body = body(claims.user_id, claims)
      }),
    ],
  ])
  app.use(tokenRoutes(sjwt, { prefix: '/api' }))
  app.use((ctx, next) => {
    const route = ctx.method === 'GET' ? routes.get(ctx.path) : undefined
    return route === undefined ? next() : route(ctx, next)
  })
  return app
}

function honoApp(sjwt: SimpleJWT, uncached: SimpleJWT, payload: unknown, body: Body) {
  const { requireAuth, tokenRoutes } = simplejwtHono
  const app = new Hono()
  app.get(ROUTES.plain, (c) => c.json(body(ALICE.id, payload)))
  app.get(
    ROUTES.passThrough,
    async (_c, next) => {
      await next()
    },
    (c) => c.json(body(ALICE.id, payload)),
  )
  app.get(ROUTES.cpu, (c) => c.json(process.cpuUsage()))
  for (const [route, config] of [
    [ROUTES.simplejwt, sjwt],
    [ROUTES.simplejwtNoCache, uncached],
  ] as const) {
    app.get(route, requireAuth(config), (c) =>
      c.json(body(c.get('user').id, c.get('auth').payload)),
    )
  }
  app.get(
    ROUTES.simplejwtHandler,
    simplejwtHono.protect(sjwt, (c) => c.json(body(c.get('user').id, c.get('auth').payload))),
  )
  // hono's docs: `jwt({ secret, alg: 'HS256' })`; it sets `c.get('jwtPayload')`.
  app.get(ROUTES.native, honoJwt({ secret: SECRET, alg: 'HS256' }), (c) => {
    const claims = c.get('jwtPayload') as { user_id: unknown }
    return c.json(body(claims.user_id, claims))
  })
  app.route('/api', tokenRoutes(sjwt))
  return app
}

const framework = process.argv[2] as Framework
if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
  throw new Error(`usage: server.ts ${FRAMEWORKS.join('|')}`)
}
await main(framework)
