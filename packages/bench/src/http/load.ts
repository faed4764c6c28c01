import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median } from '../harness'
import { FRAMEWORKS, type Framework, ROUTES } from './routes'

export interface LoadOptions {
  /** Rounds; each loads every route once, in a rotated order. */
  readonly rounds: number
  /** Seconds of load on one route in one round (autocannon stops by itself). */
  readonly duration: number
  /** Seconds of load on each route before the first round, not counted. */
  readonly warmup: number
  readonly connections: number
}

/** One route under load, as `GET` or a JSON `POST`. */
export interface Route {
  readonly name: string
  readonly path: string
  readonly body?: unknown
}

export interface HttpRow {
  readonly name: string
  readonly path: string
  /** Median over the rounds. */
  readonly requestsPerSecond: number
  /** Median over the rounds of this route's rate over the unprotected view's. */
  readonly ratio: number
  /**
   * The server's CPU time (user and system) per request answered, median over the rounds: less
   * sensitive than the rates to what else runs on the machine. NaN where the server cannot tell.
   */
  readonly cpuMicroseconds: number
}

export interface HttpTarget {
  readonly title: string
  readonly rows: readonly HttpRow[]
}

/** A server in its own process, and what it needs to be loaded. */
export interface Served {
  readonly url: string
  readonly routes: readonly Route[]
  /** The `Authorization` header sent with every request, so all requests are the same size. */
  readonly authorization: string
  /** The path answering the server's `process.cpuUsage()`, when it has one. */
  readonly cpu?: string
  stop(): Promise<void>
}

/** Each framework's server, loaded route after route, round after round. */
export async function frameworkTargets(
  options: LoadOptions,
  log: (line: string) => void,
): Promise<HttpTarget[]> {
  const targets: HttpTarget[] = []
  for (const framework of FRAMEWORKS) {
    log(`  ${framework}`)
    const served = await startFramework(framework)
    try {
      targets.push({ title: framework, rows: await loadRoutes(served, options) })
    } finally {
      await served.stop()
    }
  }
  return targets
}

/** Loads each route of `served`; the first route is the unprotected baseline of the ratios. */
export async function loadRoutes(served: Served, options: LoadOptions): Promise<HttpRow[]> {
  const { routes } = served
  for (const route of routes) await load(served, route, options.warmup, options.connections)
  const rates = routes.map(() => [] as number[])
  const cpu = routes.map(() => [] as number[])
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < routes.length; k++) {
      const i = (k + round) % routes.length
      const before = await cpuTime(served)
      const { rate, answered } = await load(
        served,
        routes[i] as Route,
        options.duration,
        options.connections,
      )
      ;(rates[i] as number[]).push(rate)
      ;(cpu[i] as number[]).push(((await cpuTime(served)) - before) / answered)
    }
  }
  const baseline = rates[0] as number[]
  return routes.map((route, i) => {
    const own = rates[i] as number[]
    return {
      name: route.name,
      path: route.path,
      requestsPerSecond: median(own),
      ratio: median(own.map((rate, round) => rate / (baseline[round] as number))),
      cpuMicroseconds: median(cpu[i] as number[]),
    }
  })
}

/** The server's CPU time so far, in microseconds; NaN when it has no route for it. */
export async function cpuTime(served: Served): Promise<number> {
  if (served.cpu === undefined) return Number.NaN
  const usage = (await (await fetch(`${served.url}${served.cpu}`)).json()) as {
    user: number
    system: number
  }
  return usage.user + usage.system
}

/** Requests per second answered 2xx; any other answer or error fails the run. */
export async function load(served: Served, route: Route, duration: number, connections: number) {
  const result = await autocannon({
    url: `${served.url}${route.path}`,
    connections,
    duration,
    method: route.body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: served.authorization,
      ...(route.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  })
  if (result.non2xx > 0 || result.errors > 0 || result['2xx'] === 0) {
    throw new Error(
      `${route.name} (${route.path}): ${result['2xx']} answered 2xx, ${result.non2xx} did not, ${result.errors} errors`,
    )
  }
  return { rate: result['2xx'] / result.duration, answered: result['2xx'] }
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

async function startFramework(framework: Framework): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, framework], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const line = await firstLine(child, `${framework} server`)
  const { port, access, refresh } = JSON.parse(line) as {
    port: number
    access: string
    refresh: string
  }
  return {
    url: `http://127.0.0.1:${port}`,
    authorization: `Bearer ${access}`,
    cpu: ROUTES.cpu,
    routes: [
      { name: 'unprotected', path: ROUTES.plain },
      { name: 'pass-through middleware', path: ROUTES.passThrough },
      { name: '@simplejwt (default: cache on)', path: ROUTES.simplejwt },
      ...(framework === 'hono'
        ? [{ name: '@simplejwt protect() (one handler)', path: ROUTES.simplejwtHandler }]
        : []),
      { name: '@simplejwt (cache off)', path: ROUTES.simplejwtNoCache },
      { name: NATIVE[framework], path: ROUTES.native },
      { name: 'refresh endpoint', path: ROUTES.refresh, body: { refresh } },
      { name: 'verify endpoint', path: ROUTES.verify, body: { token: access } },
    ],
    stop: () => stop(child),
  }
}

export const NATIVE: Readonly<Record<Framework, string>> = {
  express: 'express-jwt',
  hono: 'hono/jwt',
  koa: 'koa-jwt',
}

/** The first line the child writes to stdout; the child failing first is an error. */
export function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const failed = (code: number | null) =>
      reject(new Error(`${what} exited (${code}) before it was ready`))
    child.once('exit', failed)
    child.once('error', reject)
    lines.once('line', (line) => {
      child.off('exit', failed)
      resolve(line)
    })
  })
}

/** Closes the child's stdin (its signal to stop) and waits for it to exit. */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.stdin?.end()
    child.kill('SIGTERM')
  })
}
