// The demo apps' HTTP contract with Express: `pnpm --dir apps/express-demo start`.
import type { CoreResponse } from '@simplejwt/core'
import { startDemo, statelessView, userView } from '@simplejwt/demo-support'
import { requireAuth, tokenRoutes } from '@simplejwt/express'
import express, { type Response } from 'express'

const demo = await startDemo('express-demo')
const { sjwt } = demo

function send(res: Response, { status, headers, body }: CoreResponse): void {
  res.status(status).set(headers).json(body)
}

const app = express()
// POST /api/token/, /api/token/refresh/, /api/token/verify/, /api/token/blacklist/,
// /api/token/sliding/ and /api/token/sliding/refresh/.
app.use('/api', tokenRoutes(sjwt))

app.get('/api/some-protected-view/', requireAuth(sjwt), (req, res) => send(res, userView(req)))
app.get('/api/admin-only-view/', requireAuth(sjwt, { permission: 'staff' }), (req, res) =>
  send(res, userView(req)),
)
app.get('/api/stateless-view/', requireAuth(sjwt, { stateless: true }), (req, res) =>
  send(res, statelessView(req)),
)

// Sign-up, tokens issued at once: `req` is the body stream, parsed as the token routes parse it.
app.post('/api/register/', async (req, res) => {
  send(res, await demo.register({ headers: req.headers, body: req }))
})

// Authenticated account routes: each authenticates the request itself (401 without a token).
app.post('/api/logout-everywhere/', async (req, res) => {
  send(res, await demo.logoutEverywhere({ headers: req.headers }))
})
app.post('/api/change-password/', async (req, res) => {
  send(res, await demo.changePassword({ headers: req.headers, body: req }))
})

await demo.listen(app)
