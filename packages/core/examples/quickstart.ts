// The smallest complete server on the core alone (node:http, no framework): the token endpoints
// and one protected route. Run from the repository root: `npm start`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  type CoreRequest,
  type CoreResponse,
  createSimpleJWT,
  MemoryTokenStore,
  MemoryUserStore,
  nodeHeaders,
} from '@simplejwt/core'

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

const routes: Record<string, (request: CoreRequest) => Promise<CoreResponse>> = {
  '/api/token/': (r) => sjwt.obtainTokenPair(r),
  '/api/token/refresh/': (r) => sjwt.refreshToken(r),
  '/api/token/verify/': (r) => sjwt.verifyToken(r),
  '/api/token/blacklist/': (r) => sjwt.blacklistToken(r),
}

function send(res: ServerResponse, { status, headers, body }: CoreResponse): void {
  res
    .writeHead(status, { ...headers, 'content-type': 'application/json' })
    .end(JSON.stringify(body))
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const server = createServer(async (req, res) => {
  // A header sent twice is joined by a comma, as Django joins it.
  const headers = nodeHeaders(req)
  const route = routes[req.url ?? '']
  if (req.method === 'POST' && route !== undefined) {
    const parsed = await sjwt.parseBody(headers, await readBody(req))
    return send(res, parsed.ok ? await route({ headers, body: parsed.body }) : parsed.response)
  }
  if (req.method === 'GET' && req.url === '/api/some-protected-view/') {
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
