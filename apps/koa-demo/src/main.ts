// The demo apps' HTTP contract with Koa: `pnpm --dir apps/koa-demo start`.
import Router from '@koa/router'
import { type DemoUser, startDemo, statelessView, userView } from '@simplejwt/demo-support'
import { requestHeaders, requireAuth, type SimpleJWTState, send, tokenRoutes } from '@simplejwt/koa'
import Koa, { type ParameterizedContext } from 'koa'

const demo = await startDemo('koa-demo')
const { sjwt } = demo

/** What the views need: the headers, and the user and token that `requireAuth` set. */
const viewRequest = (ctx: ParameterizedContext<SimpleJWTState<DemoUser>>) => ({
  headers: requestHeaders(ctx),
  ...ctx.state,
})

const router = new Router<SimpleJWTState<DemoUser>>({ prefix: '/api' })
router.get('/some-protected-view/', requireAuth(sjwt), (ctx) =>
  send(ctx, userView(viewRequest(ctx))),
)
router.get('/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), (ctx) =>
  send(ctx, userView(viewRequest(ctx))),
)
router.get('/stateless-view/', requireAuth(sjwt, { stateless: true }), (ctx) =>
  send(ctx, statelessView(viewRequest(ctx))),
)
// Sign-up, tokens issued at once: the body stream is parsed as the token routes parse it.
router.post('/register/', async (ctx) => {
  send(ctx, await demo.register({ headers: requestHeaders(ctx), body: ctx.req }))
})
// Authenticated account routes: each authenticates the request itself (401 without a token).
router.post('/logout-everywhere/', async (ctx) => {
  send(ctx, await demo.logoutEverywhere({ headers: requestHeaders(ctx) }))
})
router.post('/change-password/', async (ctx) => {
  send(ctx, await demo.changePassword({ headers: requestHeaders(ctx), body: ctx.req }))
})

const app = new Koa()
  // POST /api/token/, /api/token/refresh/, /api/token/verify/, /api/token/blacklist/,
  // /api/token/sliding/ and /api/token/sliding/refresh/.
  .use(tokenRoutes(sjwt, { prefix: '/api' }))
  .use(router.routes())
  // The playground page at GET /, built at its first request (the app starts without it).
  .use(async (ctx, next) => {
    if (ctx.path !== '/' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next()
    const { playgroundPage } = await import('@simplejwt/playground')
    const page = await playgroundPage()
    ctx.set({ ...page.headers })
    ctx.body = page.body
  })

await demo.listen(app.callback())
