// The stack group: each framework's demo-shaped app against the bare framework app with its usual
// router, each server in its own process, measured from outside with autocannon, the contenders
// interleaved round after round and the ratios taken within a round.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { median } from '../harness'
import {
  cpuTime,
  firstLine,
  type HttpRow,
  type HttpTarget,
  type LoadOptions,
  load,
  type Route,
  type Served,
  stop,
} from './load'
import { FRAMEWORKS, type Framework } from './routes'

/** The paths both apps serve (as the demo apps do), and the servers' `process.cpuUsage()`. */
export const STACK_ROUTES = {
  view: '/api/stateless-view/',
  refresh: '/api/token/refresh/',
  cpu: '/bench/cpu/',
} as const

const SERVER = fileURLToPath(new URL('./stack-server.ts', import.meta.url))

/** One contender: a route of one of the two servers. */
interface Contender {
  readonly served: Served
  readonly route: Route
}

/** Per framework: the bare app's view (the baseline), the demo's stateless view and refresh. */
export async function stackTargets(
  options: LoadOptions,
  log: (line: string) => void,
): Promise<HttpTarget[]> {
  const targets: HttpTarget[] = []
  for (const framework of FRAMEWORKS) {
    log(`  ${framework} (stack)`)
    const bare = await startApp(framework, 'bare')
    const demo = await startApp(framework, 'demo')
    try {
      const contenders: Contender[] = [
        {
          served: bare,
          route: { name: 'bare app, its router, no authentication', path: STACK_ROUTES.view },
        },
        {
          served: demo,
          route: { name: 'demo-shaped app, stateless view', path: STACK_ROUTES.view },
        },
        {
          served: demo,
          route: {
            name: 'demo-shaped app, refresh endpoint (no rotation)',
            path: STACK_ROUTES.refresh,
            body: { refresh: demo.refresh },
          },
        },
      ]
      targets.push({
        title: `${framework}: demo-shaped app against the bare app`,
        rows: await interleave(contenders, options),
      })
    } finally {
      await Promise.all([stop(bare.child), stop(demo.child)])
    }
  }
  return targets
}

async function interleave(
  contenders: readonly Contender[],
  options: LoadOptions,
): Promise<HttpRow[]> {
  for (const { served, route } of contenders) {
    await load(served, route, options.warmup, options.connections)
  }
  const rates = contenders.map(() => [] as number[])
  const cpu = contenders.map(() => [] as number[])
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length
      const { served, route } = contenders[i] as Contender
      const before = await cpuTime(served)
      const { rate, answered } = await load(served, route, options.duration, options.connections)
      ;(rates[i] as number[]).push(rate)
      ;(cpu[i] as number[]).push(((await cpuTime(served)) - before) / answered)
    }
  }
  const baseline = rates[0] as number[]
  return contenders.map(({ route }, i) => {
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

async function startApp(framework: Framework, shape: 'demo' | 'bare') {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, framework, shape], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const line = await firstLine(child, `${framework} ${shape} app`)
  const { port, access, refresh } = JSON.parse(line) as {
    port: number
    access: string
    refresh: string
  }
  return {
    child,
    refresh,
    url: `http://127.0.0.1:${port}`,
    authorization: `Bearer ${access}`,
    cpu: STACK_ROUTES.cpu,
    routes: [],
    stop: () => stop(child),
  }
}
