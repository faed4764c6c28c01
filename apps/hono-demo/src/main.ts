// The demo apps' HTTP contract with Hono, on Node: `pnpm --dir apps/hono-demo start`.
import { getRequestListener } from '@hono/node-server'
import { type DemoUser, startDemo, statelessView, userView } from '@simplejwt/demo-support'
import {
  protect,
  requestHeaders,
  type SimpleJWTVariables,
  send,
  tokenRoutes,
} from '@simplejwt/hono'
import { type Context, Hono } from 'hono'

type Env = { Variables: SimpleJWTVariables<DemoUser> }

const demo = await startDemo('hono-demo')
const { sjwt } = demo

/** What the views need: the headers, and the user and token that `protect` set. */
const viewRequest = (c: Context<Env>) => ({
  headers: requestHeaders(c),
  user: c.get('user'),
  auth: c.get('auth'),
})

const app = new Hono<Env>()
  // POST /api/token/, /api/token/refresh/, /api/token/verify/, /api/token/blacklist/,
  // /api/token/sliding/ and /api/token/sliding/refresh/.
  .route('/api', tokenRoutes(sjwt))
  // Each protected view is one handler (`protect`), which Hono runs without a promise when the
  // token is cached or HMAC-verified; `requireAuth(sjwt)` before the view would do the same work
  // as a middleware.
  .get(
    '/api/some-protected-view/',
    protect(sjwt, (c) => send(c, userView(viewRequest(c)))),
  )
  .get(
    '/api/admin-only-view/',
    protect(sjwt, (c) => send(c, userView(viewRequest(c))), { permission: 'staff' }),
  )
  .get(
    '/api/stateless-view/',
    protect(sjwt, (c) => send(c, statelessView(viewRequest(c))), { stateless: true }),
  )
  // Sign-up, tokens issued at once: the body stream is parsed as the token routes parse it.
  .post('/api/register/', async (c) =>
    send(c, await demo.register({ headers: requestHeaders(c), body: c.req.raw.body })),
  )
  // Authenticated account routes: each authenticates the request itself (401 without a token).
  .post('/api/logout-everywhere/', async (c) =>
    send(c, await demo.logoutEverywhere({ headers: requestHeaders(c) })),
  )
  .post('/api/change-password/', async (c) =>
    send(c, await demo.changePassword({ headers: requestHeaders(c), body: c.req.raw.body })),
  )
  // The playground page, built at its first request (the app starts without it).
  .get('/', async (c) => {
    const { playgroundPage } = await import('@simplejwt/playground')
    const page = await playgroundPage()
    return c.body(page.body, 200, { ...page.headers })
  })

await demo.listen(getRequestListener(app.fetch))
