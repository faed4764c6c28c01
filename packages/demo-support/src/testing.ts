/**
 * Starts a demo app as a real process, as `pnpm start` does but without pnpm in between, for the
 * apps' own tests and the contract tests.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const OUTPUT_TAIL_CHARS = 8_000

/** The variables the apps read: never inherited from the test's own environment. */
const APP_VARIABLES = ['PORT', 'SECRET_KEY', 'SIMPLE_JWT_JSON', 'DATABASE_URL', 'REDIS_URL']

export interface DemoProcess {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** What the app printed so far (stdout and stderr, interleaved; the last few kilobytes). */
  output(): string
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s); resolves the exit code, null if killed. */
  stop(): Promise<number | null>
}

export interface ExitedProcess {
  readonly code: number | null
  readonly output: string
}

const running = new Set<ChildProcess>()
let cleanupInstalled = false

/**
 * Runs `node --import tsx src/main.ts` in `appDir` with `env` (PORT defaults to 0: a free port)
 * and resolves once the app prints the address it listens on.
 */
export async function startDemoProcess(
  appDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<DemoProcess> {
  const { child, output, exited } = spawnApp(appDir, { PORT: '0', ...env })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${appDir} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`))
    }, READY_TIMEOUT_MS)
    const onData = () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output())
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve(Number(match[1]))
    }
    child.stdout?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`${appDir} exited (code ${code}) before it was ready:\n${output()}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/** Runs the app until it exits by itself (a configuration it refuses, say). */
export async function runDemoProcess(
  appDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ExitedProcess> {
  const { child, output, exited } = spawnApp(appDir, { PORT: '0', ...env })
  const timer = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS)
  const code = await exited
  clearTimeout(timer)
  return { code, output: output() }
}

function spawnApp(appDir: string, env: Readonly<Record<string, string>>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !APP_VARIABLES.includes(name)),
  )
  // tsx is a dependency of each app: `--import tsx` resolves from the app's folder.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  track(child)
  let text = ''
  const append = (chunk: string) => {
    text = (text + chunk).slice(-OUTPUT_TAIL_CHARS)
  }
  child.stdout.setEncoding('utf8').on('data', append)
  child.stderr.setEncoding('utf8').on('data', append)
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      append(`\n${error.message}`)
      resolve(null)
    })
    child.once('close', (code) => resolve(code))
  })
  return { child, output: () => text, exited }
}

// A test run that ends without stopping its apps (a failed start-up hook, say) takes them down.
function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.once('exit', () => {
    for (const app of running) app.kill('SIGKILL')
  })
}

/**
 * The test each app runs on itself: started as a process on a new database, it issues alice a
 * pair, opens the protected view with it, signs a user up, and stops cleanly on SIGTERM.
 */
export function describeDemoApp(name: string, appDir: string): void {
  describe(`${name}, started as a process`, () => {
    const dir = mkdtempSync(join(tmpdir(), `${name}-`))
    let app: DemoProcess | undefined
    beforeAll(async () => {
      app = await startDemoProcess(appDir, { DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite3')}` })
    })
    afterAll(async () => {
      await app?.stop()
      rmSync(dir, { recursive: true, force: true })
    })
    const started = () => {
      if (app === undefined) throw new Error(`${name} did not start`)
      return app
    }
    const post = (path: string, body: unknown) =>
      fetch(`${started().url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })

    it('issues alice a pair that opens the protected view', async () => {
      const obtained = await post('/api/token/', { username: 'alice', password: 'alice-password' })
      expect(obtained.status).toBe(200)
      const { access } = (await obtained.json()) as { access: string }
      const view = await fetch(`${started().url}/api/some-protected-view/`, {
        headers: { authorization: `Bearer ${access}` },
      })
      expect(view.status).toBe(200)
      expect(await view.json()).toMatchObject({ user: { id: 1, username: 'alice' } })
    })

    it('signs a user up with tokens at once', async () => {
      const reply = await post('/api/register/', { username: 'carol', password: 'carol-password' })
      expect(reply.status).toBe(201)
      expect(Object.keys((await reply.json()) as object)).toEqual(['refresh', 'access'])
    })

    it('stops on SIGTERM with status 0, having closed the server and the database', async () => {
      const app = started()
      expect(await app.stop()).toBe(0)
      expect(app.output()).toMatch(/SIGTERM received, stopping\n.*stopped\n/)
    })
  })
}
