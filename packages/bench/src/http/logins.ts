// The latency of an authenticated request while wrong-password logins are in flight on the same
// server: the login flood of issue 14. Each framework's benchmark server (server.ts) in its own
// process; N clients post logins back to back while one client sends the protected GET, one at
// a time, and times each answer.
import { spawn } from 'node:child_process'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { firstLine, stop } from './load'
import { FRAMEWORKS, type Framework, ROUTES } from './routes'

export interface LoginFloodOptions {
  /** Logins kept in flight at once, one row each (0, the idle server, is always measured first). */
  readonly inFlight: readonly number[]
  /** Authenticated requests timed per row. */
  readonly samples: number
  /** Seconds the logins run before the timing starts. */
  readonly warmup: number
}

export interface LoginFloodRow {
  readonly framework: Framework
  /** Logins in flight (0: idle). */
  readonly inFlight: number
  /** Latency of the protected GET, milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** Logins answered per second while the GETs were timed, and their statuses. */
  readonly loginsPerSecond: number
  readonly loginStatuses: Readonly<Record<string, number>>
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

/** Every framework, idle and under each flood. */
export async function loginFlood(
  options: LoginFloodOptions,
  log: (line: string) => void,
): Promise<LoginFloodRow[]> {
  const rows: LoginFloodRow[] = []
  for (const framework of FRAMEWORKS) {
    log(`  ${framework}`)
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER, framework], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    try {
      const { port, access } = JSON.parse(await firstLine(child, `${framework} server`)) as {
        port: number
        access: string
      }
      for (const inFlight of [0, ...options.inFlight]) {
        rows.push({ framework, ...(await measure(port, access, inFlight, options)) })
      }
    } finally {
      await stop(child)
    }
  }
  return rows
}

async function measure(
  port: number,
  access: string,
  inFlight: number,
  options: LoginFloodOptions,
): Promise<Omit<LoginFloodRow, 'framework'>> {
  const loginAgent = new Agent({ keepAlive: true, maxSockets: Math.max(inFlight, 1) })
  const getAgent = new Agent({ keepAlive: true, maxSockets: 1 })
  const statuses: Record<string, number> = {}
  let running = true
  let counting = false
  let answered = 0
  const body = JSON.stringify({ username: 'alice', password: 'not-alice-password' })
  const loop = async () => {
    while (running) {
      const { status } = await send(loginAgent, port, 'POST', ROUTES.obtain, {}, body)
      if (counting) {
        answered++
        statuses[status] = (statuses[status] ?? 0) + 1
      }
    }
  }
  const loops = Array.from({ length: inFlight }, loop)
  await new Promise((resolve) => setTimeout(resolve, options.warmup * 1000))
  // Two untimed requests open the connection and warm the token cache.
  for (let i = 0; i < 2; i++) await send(getAgent, port, 'GET', ROUTES.simplejwt, { access })
  counting = true
  const started = performance.now()
  const latencies: number[] = []
  for (let i = 0; i < options.samples; i++) {
    const before = performance.now()
    const { status } = await send(getAgent, port, 'GET', ROUTES.simplejwt, { access })
    latencies.push(performance.now() - before)
    if (status !== 200) throw new Error(`the protected view answered ${status} under the flood`)
  }
  const seconds = (performance.now() - started) / 1000
  counting = false
  running = false
  await Promise.all(loops)
  loginAgent.destroy()
  getAgent.destroy()
  latencies.sort((a, b) => a - b)
  return {
    inFlight,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    loginsPerSecond: answered / seconds,
    loginStatuses: statuses,
  }
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
}

function send(
  agent: Agent,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  auth: { access?: string },
  body?: string,
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(auth.access === undefined ? {} : { authorization: `Bearer ${auth.access}` }),
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        res.resume()
        res.once('end', () => resolve({ status: res.statusCode ?? 0 }))
        res.once('error', reject)
      },
    )
    req.once('error', reject)
    req.end(body)
  })
}
