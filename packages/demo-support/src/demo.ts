import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import {
  ConfigurationError,
  type CoreResponse,
  createSimpleJWT,
  type SimpleJWT,
} from '@simplejwt/core'
import type { SqliteStore, SqliteUser } from '@simplejwt/sqlite'
import { type DemoConfig, DemoConfigError, HOST, readConfig } from './config'
import { type RegisterRequest, register } from './register'
import { openDemoStore, SEED_USERS } from './store'

/** The users of the demo apps, as the SQLite store returns them. */
export type DemoUser = SqliteUser

/** How long a stop waits for requests in flight before it drops their connections. */
const STOP_GRACE_MS = 5_000

/** A demo app's configured library and store, ready for its framework's routes. */
export interface Demo {
  /** The app's name, at the start of its log lines. */
  readonly name: string
  readonly config: DemoConfig
  /** Configured from `SIMPLE_JWT_JSON`, with the SQLite users and blacklist. */
  readonly sjwt: SimpleJWT<SqliteUser>
  readonly store: SqliteStore
  /** `POST /api/register/` (see {@link register}). */
  register(request: RegisterRequest): Promise<CoreResponse>
  /**
   * Serves `listener` (an Express app, `koa.callback()`, Hono's `getRequestListener(app.fetch)`)
   * on 127.0.0.1:PORT, and stops cleanly on SIGTERM and SIGINT: the server, then the database,
   * then the process with status 0.
   */
  listen(listener: RequestListener): Promise<Server>
}

/**
 * Reads the environment, opens and seeds the database and configures the library. A configuration
 * the app cannot run with ends the process with status 1 and a message saying what to change.
 */
export async function startDemo(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Demo> {
  try {
    const config = readConfig(env)
    if (config.developmentKey) {
      const signs = config.signsWithSecretKey ? ', which signs the tokens' : ''
      console.warn(
        `${name}: WARNING: SECRET_KEY is not set; using the fixed development key ` +
          `'${config.secretKey}'${signs}. Set SECRET_KEY to a secret of your own outside a local trial.`,
      )
    }
    const { store, seeded } = await openDemoStore(config.databasePath)
    try {
      const sjwt = await createSimpleJWT({
        settings: config.settings,
        users: store.users,
        tokens: store.tokens,
      })
      const { databasePath: path } = config
      const users = SEED_USERS.map((u) => u.username).join(', ')
      const where = path === ':memory:' ? path : resolve(path)
      console.log(`${name}: database sqlite:${where}${seeded ? ` (seeded ${users})` : ''}`)
      return {
        name,
        config,
        sjwt,
        store,
        register: (request) => register(sjwt, store.users, request),
        listen: (listener) => listen(name, config.port, store, listener),
      }
    } catch (error) {
      store.close()
      throw error
    }
  } catch (error) {
    // The library's own ConfigurationError (a bad setting or key) is as plain as ours.
    const plain = error instanceof DemoConfigError || error instanceof ConfigurationError
    console.error(`${name}: ${plain ? (error as Error).message : error}`)
    if (!plain && error instanceof Error) console.error(error.stack)
    process.exit(1)
  }
}

async function listen(
  name: string,
  port: number,
  store: SqliteStore,
  listener: RequestListener,
): Promise<Server> {
  const server = createServer(listener)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, HOST, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    console.error(`${name}: cannot listen on ${HOST}:${port}: ${(error as Error).message}`)
    store.close()
    process.exit(1)
  }
  const bound = (server.address() as AddressInfo).port
  console.log(`${name} listening on http://${HOST}:${bound}`)

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    console.log(`${name}: ${signal} received, stopping`)
    server.close(() => {
      store.close()
      console.log(`${name}: stopped`)
      process.exit(0)
    })
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  return server
}
