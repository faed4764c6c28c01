// The test database: the machine's PostgreSQL, a schema of its own for each test run (dropped at
// the end), and a TCP proxy in front of it that the outage tests cut and restore.
import { randomBytes } from 'node:crypto'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { Client } from 'pg'

export const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'

/** Every schema of this run starts with it. */
export const RUN = `simplejwt_test_${randomBytes(6).toString('hex')}`
let schemas = 0
/** A new schema name of this run. */
export const newSchema = () => `${RUN}_${++schemas}`

/** Connects once, or throws why the database is not there. */
export async function probe(): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } finally {
    await client.end().catch(() => {})
  }
}

/** Drops every schema of this run. */
export async function dropRunSchemas(): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    const { rows } = await client.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
      [RUN],
    )
    for (const { name } of rows) await client.query(`DROP SCHEMA "${name}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** A proxy to the database on its own port, that can be cut (connections refused) and restored. */
export interface Proxy {
  readonly url: string
  start(): Promise<void>
  /** Refuses new connections and cuts the open ones. */
  cut(): Promise<void>
}

export async function proxy(): Promise<Proxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const start = async () => {
    const listening = createServer((client) => {
      const upstream = tcpConnect(5432, '127.0.0.1')
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve))
    const address = listening.address()
    if (typeof address === 'object' && address !== null) port = address.port
    server = listening
  }
  await start()
  return {
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/test`
    },
    start,
    async cut() {
      const closing = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()))
    },
  }
}
