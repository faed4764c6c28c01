import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built bin (see build.fixture.ts). */
export const BIN = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `simplejwt args...` as a process, with `stdin` written to its standard input. */
export function simplejwt(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

/** Runs it with `--json` last and parses standard output. */
export async function simplejwtJson(args: readonly string[], stdin = '') {
  const run = await simplejwt([...args, '--json'], stdin)
  return { ...run, json: JSON.parse(run.stdout) as Record<string, unknown> }
}
