import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A server the suite talks to over real HTTP. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  close(): Promise<void>
}

/** Serves a Node request listener (an Express app, `koa.callback()`, ...) on a free 127.0.0.1 port. */
export function serveNode(listener: RequestListener): Promise<RunningServer> {
  const server = createServer(listener)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()))
            server.closeAllConnections()
          }),
      })
    })
  })
}
