// The smallest complete server on the core alone (node:http, no framework): the token endpoints
// and one protected route. Run from the repository root: `npm start`.
import { createServer, type ServerResponse } from 'node:http'
import {
  type CoreResponse,
  createSimpleJWT,
  MemoryTokenStore,
  MemoryUserStore,
} from '@simplejwt/core'
import { nodeHeaders, readBody } from '@simplejwt/core/adapter'

const users = await MemoryUserStore.create([
  { id: 1, username: 'alice', password: 'alice-password' },
  { id: 3, username: 'admin', password: 'admin-password', isStaff: true },
])
const sjwt = await createSimpleJWT({
  settings: {
    SIGNING_KEY: process.env['SECRET_KEY'] ?? 'example-secret-key-change-me-0123456789',
    ROTATE_REFRESH_TOKENS: true,
  },
  users,
  tokens: new MemoryTokenStore(),
})

// POST /api/token/, /api/token/refresh/, /api/token/verify/, /api/token/blacklist/, ...
const tokenRoutes = sjwt.tokenRouter({ prefix: '/api' })

function send(res: ServerResponse, { status, headers, body }: CoreResponse): void {
  res
    .writeHead(status, { ...headers, 'content-type': 'application/json' })
    .end(JSON.stringify(body))
}

const server = createServer(async (req, res) => {
  // A header sent twice is joined by a comma, as Django joins it.
  const headers = nodeHeaders(req)
  const { pathname } = new URL(req.url ?? '/', 'http://localhost')
  // The endpoint for POST, DRF's 405 for other methods, null for other paths (and OPTIONS).
  const route = tokenRoutes.routeFor(req.method ?? 'GET', pathname)
  if (route !== null) return send(res, await route({ headers, readBody: () => readBody(req) }))
  if (req.method === 'GET' && pathname === '/api/some-protected-view/') {
    const auth = await sjwt.authorize({ headers })
    if (!auth.ok) return send(res, auth.response)
    return send(res, {
      status: 200,
      headers: {},
      body: { user: { id: auth.user.id }, token: auth.token.payload },
    })
  }
  send(res, { status: 404, headers: {}, body: { detail: 'Not found.' } })
})

const port = Number(process.env['PORT'] ?? 8000)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port}`)
  console.log(
    `try: curl -s -XPOST localhost:${port}/api/token/ -H 'content-type: application/json' -d '{"username":"alice","password":"alice-password"}'`,
  )
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
