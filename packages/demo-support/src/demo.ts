import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import {
  ConfigurationError,
  type CoreResponse,
  createSimpleJWT,
  type SimpleJWT,
} from '@simplejwt/core'
import { type AccountRequest, changePassword, logoutEverywhere } from './account'
import { type DemoConfig, DemoConfigError, HOST, readConfig } from './config'
import { type RegisterRequest, register } from './register'
import { type DemoStore, type DemoUser, openDemoStore, SEED_USERS } from './store'

/** How long a stop waits for requests in flight before it drops their connections. */
const STOP_GRACE_MS = 5_000
/** How long a stop waits for the store to close (a Redis that is away) before exiting anyway. */
const CLOSE_STORE_MS = 3_000
/**
 * A client that holds a connection open without finishing its request (a slow-loris attack) gets
 * 408 and is dropped after these (Node's defaults: 60 s and 300 s, checked every 30 s).
 */
export const SERVER_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
} as const

/** A demo app's configured library and store, ready for its framework's routes. */
export interface Demo {
  /** The app's name, at the start of its log lines. */
  readonly name: string
  readonly config: DemoConfig
  /** Configured from `SIMPLE_JWT_JSON`, with the store's users and token store. */
  readonly sjwt: SimpleJWT<DemoUser>
  readonly store: DemoStore
  /** `POST /api/register/` (see {@link register}). */
  register(request: RegisterRequest): Promise<CoreResponse>
  /** `POST /api/logout-everywhere/` (see {@link logoutEverywhere}). */
  logoutEverywhere(request: AccountRequest): Promise<CoreResponse>
  /** `POST /api/change-password/` (see {@link changePassword}). */
  changePassword(request: AccountRequest): Promise<CoreResponse>
  /**
   * Serves `listener` (an Express app, `koa.callback()`, Hono's `getRequestListener(app.fetch)`)
   * on 127.0.0.1:PORT, and stops cleanly on SIGTERM and SIGINT: the server, then the store
   * (Redis, then the database), then the process with status 0.
   */
  listen(listener: RequestListener): Promise<Server>
}

/**
 * Reads the environment, opens and seeds the database (and connects to Redis) and configures the
 * library. A configuration the app cannot run with, or a store it cannot reach, ends the process
 * with status 1 and a message saying what to change.
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
    const { database } = config
    const where =
      database.kind === 'sqlite' && database.path !== ':memory:'
        ? { ...database, path: resolve(database.path) }
        : database
    const store = await openDemoStore(where, config.redis, (line) =>
      console.error(`${name}: ${line}`),
    )
    try {
      const sjwt = await createSimpleJWT({
        settings: config.settings,
        users: store.users,
        tokens: store.tokens,
      })
      const users = SEED_USERS.map((u) => u.username).join(', ')
      console.log(
        `${name}: database ${store.description}${store.seeded ? ` (seeded ${users})` : ''}`,
      )
      return {
        name,
        config,
        sjwt,
        store,
        register: (request) => register(sjwt, store.users, request),
        logoutEverywhere: (request) => logoutEverywhere(sjwt, request),
        changePassword: (request) => changePassword(sjwt, store.users, request),
        listen: (listener) => listen(name, config.port, store, listener),
      }
    } catch (error) {
      await store.close()
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
  store: DemoStore,
  listener: RequestListener,
): Promise<Server> {
  const server = createServer(SERVER_TIMEOUTS, listener)
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
    await closeStore(name, store)
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
      void closeStore(name, store).then(() => {
        console.log(`${name}: stopped`)
        process.exit(0)
      })
    })
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  return server
}

/** Closes the store, giving up after a few seconds (the process is ending anyway). */
async function closeStore(name: string, store: DemoStore): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`${name}: the store did not close within ${CLOSE_STORE_MS / 1000} s`)
      resolve()
    }, CLOSE_STORE_MS)
  })
  try {
    await Promise.race([store.close(), late])
  } catch (error) {
    console.error(`${name}: closing the store: ${(error as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
}
