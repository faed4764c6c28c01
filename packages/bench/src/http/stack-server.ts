// One app of the stack group, in its own process: `tsx src/http/stack-server.ts
// express|hono|koa demo|bare`. `demo` is shaped as apps/*-demo mount it (token routes in front,
// the stateless view behind `requireAuth`/`protect` with demo-support's view helper and the
// adapter's `send`); `bare` is the framework with its usual router (Express's, Hono's,
// `@koa/router`) answering the same JSON with no authentication. Prints one JSON line,
// `{ port, access, refresh }`, and stops when its standard input closes.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import Router from '@koa/router'
import { createSimpleJWT, MemoryTokenStore, MemoryUserStore, type SimpleJWT } from '@simplejwt/core'
import * as simplejwtExpress from '@simplejwt/express'
import * as simplejwtHono from '@simplejwt/hono'
import * as simplejwtKoa from '@simplejwt/koa'
import express from 'express'
import { Hono } from 'hono'
import Koa from 'koa'
// The demo apps' own view helper (demo-support is not a dependency of the bench; read from source).
import { statelessView } from '../../../demo-support/src/views'
import { SECRET } from '../fixtures'
import { FRAMEWORKS, type Framework } from './routes'
import { STACK_ROUTES } from './stack'

const ALICE = { id: 1, username: 'alice' }

async function main(framework: Framework, shape: 'demo' | 'bare'): Promise<void> {
  const users = await MemoryUserStore.create([{ ...ALICE, password: 'alice-password' }])
  const sjwt = await createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ACCESS_TOKEN_LIFETIME: 3600 },
    users,
    tokens: new MemoryTokenStore(),
  })
  const refresh = await sjwt.RefreshToken.forUser((await users.getUser('id', 1)) ?? ALICE)
  const refreshText = await refresh.sign()
  const access = await refresh.accessToken.sign()
  // The bare app answers the bytes the demo's stateless view answers.
  const body = { user: { id: ALICE.id }, token: (await sjwt.AccessToken.decode(access)).payload }
  const listener = shape === 'demo' ? demoApp(framework, sjwt) : bareApp(framework, body)
  const server = createServer(listener)
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
  process.stdout.write(`${JSON.stringify({ port, access, refresh: refreshText })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

type Listener = Parameters<typeof createServer>[1]

/** As apps/<framework>-demo/src/main.ts writes it. */
function demoApp(framework: Framework, sjwt: SimpleJWT): Listener {
  switch (framework) {
    case 'express': {
      const { requestHeaders, requireAuth, send, tokenRoutes } = simplejwtExpress
      const app = express()
      app.get(STACK_ROUTES.cpu, (_req, res) => {
        res.json(process.cpuUsage())
      })
      app.use('/api', tokenRoutes(sjwt))
      app.get(STACK_ROUTES.view, requireAuth(sjwt, { stateless: true }), (req, res) =>
        send(res, statelessView({ headers: requestHeaders(req), user: req.user, auth: req.auth })),
      )
      return app
    }
    case 'hono': {
      const { protect, requestHeaders, send, tokenRoutes } = simplejwtHono
      const app = new Hono()
        .get(STACK_ROUTES.cpu, (c) => c.json(process.cpuUsage()))
        .route('/api', tokenRoutes(sjwt))
        .get(
          STACK_ROUTES.view,
          protect(
            sjwt,
            (c) =>
              send(
                c,
                statelessView({
                  headers: requestHeaders(c),
                  user: c.get('user'),
                  auth: c.get('auth'),
                }),
              ),
            { stateless: true },
          ),
        )
      return getRequestListener(app.fetch)
    }
    case 'koa': {
      const { requestHeaders, requireAuth, send, tokenRoutes } = simplejwtKoa
      const router = new Router<simplejwtKoa.SimpleJWTState>({ prefix: '/api' })
      router.get('/stateless-view/', requireAuth(sjwt, { stateless: true }), (ctx) =>
        send(ctx, statelessView({ headers: requestHeaders(ctx), ...ctx.state })),
      )
      const app = new Koa()
        .use(tokenRoutes(sjwt, { prefix: '/api' }))
        .use(router.routes())
        .use(cpuKoa.routes())
      return app.callback()
    }
  }
}

/** The framework and its usual router, answering the same JSON, no authentication. */
function bareApp(framework: Framework, body: unknown): Listener {
  switch (framework) {
    case 'express': {
      const app = express()
      app.get(STACK_ROUTES.cpu, (_req, res) => {
        res.json(process.cpuUsage())
      })
      app.get(STACK_ROUTES.view, (_req, res) => {
        res.json(body)
      })
      return app
    }
    case 'hono': {
      const app = new Hono()
        .get(STACK_ROUTES.cpu, (c) => c.json(process.cpuUsage()))
        .get(STACK_ROUTES.view, (c) => c.json(body as object))
      return getRequestListener(app.fetch)
    }
    case 'koa': {
      const router = new Router({ prefix: '/api' })
      router.get('/stateless-view/', (ctx) => {
        ctx.body = body
      })
      return new Koa().use(router.routes()).use(cpuKoa.routes()).callback()
    }
  }
}

// After the measured routes, in both shapes, so it costs them nothing.
const cpuKoa = new Router().get(STACK_ROUTES.cpu, (ctx) => {
  ctx.body = process.cpuUsage()
})

const [framework, shape] = process.argv.slice(2) as [Framework, string]
if (!(FRAMEWORKS as readonly string[]).includes(framework) || !['demo', 'bare'].includes(shape)) {
  throw new Error(`usage: stack-server.ts ${FRAMEWORKS.join('|')} demo|bare`)
}
await main(framework, shape as 'demo' | 'bare')
