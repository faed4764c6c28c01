import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os'
import type { Group } from './core'
import type { HttpTarget } from './http/load'
import type { LoginFloodRow } from './http/logins'
import type { MemorySample } from './memory'

/** The memory benchmark with the cache at its default bounds, and off. */
export interface Memory {
  readonly on: readonly MemorySample[]
  readonly off: readonly MemorySample[]
}

export interface Results {
  readonly command: string
  readonly started: Date
  readonly seconds: number
  readonly settings: string
  readonly versions: Readonly<Record<string, string>>
  readonly core: readonly Group[]
  readonly http: readonly HttpTarget[]
  readonly reference: HttpTarget | string
  readonly memory: Memory
  readonly logins: readonly LoginFloodRow[]
  readonly loadBefore: readonly number[]
}

/** The machine, as `os` and `process` describe it. */
export function machine(): string {
  const cores = cpus()
  const model = cores[0]?.model.trim() ?? 'unknown'
  return [
    `${type()} ${release()}, ${process.arch}`,
    `${cores.length} × ${model}`,
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the start)`,
    `Node ${process.version}`,
  ].join('; ')
}

const ops = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a')
const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a')

export function markdown(results: Results, targets: readonly string[]): string {
  const out: string[] = []
  out.push('# Benchmark results', '')
  out.push(
    'Written by `pnpm bench` (packages/bench). Absolute figures depend on the machine and on',
    'whatever else runs on it; the ratios are measured side by side in one run (contenders',
    'interleaved round after round, the median round reported) and are what to compare.',
    '',
  )
  out.push(`- Command: \`${results.command}\``)
  out.push(`- Date: ${results.started.toISOString()} (${Math.round(results.seconds)} s)`)
  out.push(`- Machine: ${machine()}`)
  out.push(
    `- Load average when the run started: ${results.loadBefore.map((n) => n.toFixed(2)).join(', ')} (1, 5, 15 min)`,
  )
  out.push(`- Settings: ${results.settings}`)
  out.push(
    `- Versions: ${Object.entries(results.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  )
  out.push('', '## Targets', '', ...targets.map((t) => `- ${t}`), '')

  out.push('## Core (ops/s; ratio to the node:crypto floor of the same group)', '')
  for (const group of results.core) {
    out.push(`### ${group.title}`, '', '| contender | ops/s | ratio |', '| --- | ---: | ---: |')
    for (const row of group.rows)
      out.push(`| ${row.name} | ${ops(row.opsPerSecond)} | ${ratio(row.ratio)} |`)
    out.push('')
  }

  out.push(
    '## HTTP (requests/s; ratio to the same view unprotected, on the same server)',
    '',
    "The CPU columns are the server process's own CPU time per request answered (its",
    "`process.cpuUsage()` before and after each load), and the unprotected view's over it. On a",
    'shared two-core machine both move from one full run to the next (by up to about 0.15 for',
    'the protected routes here): compare runs, not single figures.',
    '',
  )
  for (const target of [
    ...results.http,
    ...(typeof results.reference === 'string' ? [] : [results.reference]),
  ]) {
    const baseline = target.rows[0]?.cpuMicroseconds ?? Number.NaN
    out.push(
      `### ${target.title}`,
      '',
      '| route | path | req/s | ratio | server CPU µs/request | CPU ratio |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
    )
    for (const row of target.rows) {
      const cpu = row.cpuMicroseconds
      out.push(
        `| ${row.name} | \`${row.path}\` | ${ops(row.requestsPerSecond)} | ${ratio(row.ratio)} | ${Number.isFinite(cpu) ? cpu.toFixed(1) : 'n/a'} | ${ratio(baseline / cpu)} |`,
      )
    }
    out.push('')
  }
  if (typeof results.reference === 'string')
    out.push(`Reference not measured: ${results.reference}.`, '')

  out.push(
    '## Verified-token cache under unique tokens (after a full GC)',
    '',
    'Each token authenticated once (stateless), in a process of its own; the cache at its default',
    'bounds (10,000 entries, 8 MiB counted), then the same run with the cache off.',
    '',
    '| tokens authenticated | RSS, cache on (MiB) | heap used, cache on (MiB) | RSS, cache off (MiB) | heap used, cache off (MiB) |',
    '| ---: | ---: | ---: | ---: | ---: |',
  )
  results.memory.on.forEach((s, i) => {
    const off = results.memory.off[i]
    out.push(
      `| ${ops(s.tokens)} | ${s.rssMiB.toFixed(1)} | ${s.heapUsedMiB.toFixed(1)} | ${off?.rssMiB.toFixed(1) ?? 'n/a'} | ${off?.heapUsedMiB.toFixed(1) ?? 'n/a'} |`,
    )
  })
  out.push('')

  out.push(
    '## Authenticated requests during a login flood',
    '',
    'The protected view (`requireAuth`, cached token), one request at a time, while N clients post',
    'wrong-password logins back to back to the same server (each login checks an scrypt hash).',
    '',
    '| framework | logins in flight | p50 (ms) | p99 (ms) | max (ms) | logins/s | login statuses |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  )
  for (const row of results.logins) {
    const statuses = Object.entries(row.loginStatuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')
    out.push(
      `| ${row.framework} | ${row.inFlight === 0 ? 'idle' : row.inFlight} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.max.toFixed(2)} | ${row.inFlight === 0 ? 'n/a' : row.loginsPerSecond.toFixed(0)} | ${statuses || 'n/a'} |`,
    )
  }
  out.push('')
  return out.join('\n')
}

export function loadAverage(): number[] {
  return loadavg()
}
