// The demo apps' HTTP contract with Express: `pnpm --dir apps/express-demo start`.
import { startDemo, statelessView, userView } from '@simplejwt/demo-support'
import { requestHeaders, requireAuth, send, tokenRoutes } from '@simplejwt/express'
import express, { type Request } from 'express'

const demo = await startDemo('express-demo')
const { sjwt } = demo

/** What the views need: the headers, and the user and token that `requireAuth` set. */
const viewRequest = (req: Request) => ({
  headers: requestHeaders(req),
  user: req.user,
  auth: req.auth,
})

const app = express()
// POST /api/token/, /api/token/refresh/, /api/token/verify/, /api/token/blacklist/,
// /api/token/sliding/ and /api/token/sliding/refresh/.
app.use('/api', tokenRoutes(sjwt))

app.get('/api/some-protected-view/', requireAuth(sjwt), (req, res) =>
  send(res, userView(viewRequest(req))),
)
app.get('/api/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), (req, res) =>
  send(res, userView(viewRequest(req))),
)
app.get('/api/stateless-view/', requireAuth(sjwt, { stateless: true }), (req, res) =>
  send(res, statelessView(viewRequest(req))),
)

// Sign-up, tokens issued at once: `req` is the body stream, parsed as the token routes parse it.
app.post('/api/register/', async (req, res) => {
  send(res, await demo.register({ headers: requestHeaders(req), body: req }))
})

// Authenticated account routes: each authenticates the request itself (401 without a token).
app.post('/api/logout-everywhere/', async (req, res) => {
  send(res, await demo.logoutEverywhere({ headers: requestHeaders(req) }))
})
app.post('/api/change-password/', async (req, res) => {
  send(res, await demo.changePassword({ headers: requestHeaders(req), body: req }))
})

// The playground page, built at its first request (the app starts without it).
app.get('/', async (_req, res) => {
  const { playgroundPage } = await import('@simplejwt/playground')
  const page = await playgroundPage()
  res.set(page.headers).send(page.body)
})

await demo.listen(app)
