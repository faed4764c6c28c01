/**
 * Starts a demo app as a real process, as `pnpm start` does but without pnpm in between, for the
 * apps' own tests and the contract tests.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sendRepeated } from '@simplejwt/adapter-tests'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WRONG_OLD_PASSWORD } from './account'

export * from './services'

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
  /** Sends `signal` at once (a crash: SIGKILL) and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>
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
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
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

/** What the refresh endpoint and authentication answer for a revoked token. */
const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }

/**
 * The test each app runs on itself: started as a process on a new database (with
 * CHECK_REVOKE_TOKEN), it issues alice a pair, opens the protected view with it, signs users up,
 * logs one out everywhere, changes another's password, and stops cleanly on SIGTERM.
 */
export function describeDemoApp(name: string, appDir: string): void {
  describe(`${name}, started as a process`, () => {
    const dir = mkdtempSync(join(tmpdir(), `${name}-`))
    let app: DemoProcess | undefined
    beforeAll(async () => {
      app = await startDemoProcess(appDir, {
        DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite3')}`,
        SIMPLE_JWT_JSON: JSON.stringify({ CHECK_REVOKE_TOKEN: true }),
      })
    })
    afterAll(async () => {
      await app?.stop()
      rmSync(dir, { recursive: true, force: true })
    })
    const started = () => {
      if (app === undefined) throw new Error(`${name} did not start`)
      return app
    }
    const bearer = (access?: string): Record<string, string> =>
      access === undefined ? {} : { authorization: `Bearer ${access}` }
    const post = async (path: string, body: unknown, access?: string) => {
      const reply = await fetch(`${started().url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(access) },
        body: JSON.stringify(body),
      })
      return { status: reply.status, body: (await reply.json()) as Record<string, unknown> }
    }
    const view = async (access: string) => {
      const reply = await fetch(`${started().url}/api/some-protected-view/`, {
        headers: bearer(access),
      })
      return { status: reply.status, body: (await reply.json()) as Record<string, unknown> }
    }
    const signUp = async (username: string) => {
      const reply = await post('/api/register/', { username, password: `${username}-password` })
      expect(reply.status).toBe(201)
      return reply.body as { refresh: string; access: string }
    }

    it('issues alice a pair that opens the protected view', async () => {
      const obtained = await post('/api/token/', { username: 'alice', password: 'alice-password' })
      expect(obtained.status).toBe(200)
      const reply = await view(String(obtained.body['access']))
      expect(reply.status).toBe(200)
      expect(reply.body).toMatchObject({ user: { id: 1, username: 'alice' } })
    })

    it('signs a user up with tokens at once', async () => {
      expect(Object.keys(await signUp('carol'))).toEqual(['refresh', 'access'])
    })

    it("logs a user out everywhere: the user's earlier tokens are refused", async () => {
      const { refresh, access } = await signUp('dave')
      expect((await post('/api/logout-everywhere/', {})).status).toBe(401)
      expect(await post('/api/logout-everywhere/', {}, access)).toEqual({ status: 200, body: {} })
      expect(await post('/api/token/refresh/', { refresh })).toEqual({
        status: 401,
        body: BLACKLISTED,
      })
      expect(await view(access)).toMatchObject({ status: 401, body: BLACKLISTED })
      const again = await post('/api/token/', { username: 'dave', password: 'dave-password' })
      expect((await view(String(again.body['access']))).status).toBe(200)
    })

    it("changes a user's password: earlier tokens are refused (CHECK_REVOKE_TOKEN)", async () => {
      const { access } = await signUp('erin')
      const change = (body: unknown, token = access) => post('/api/change-password/', body, token)
      expect((await change({}, 'not-a-token')).status).toBe(401)
      expect(await change({ old_password: 'erin-password' })).toEqual({
        status: 400,
        body: { new_password: ['This field is required.'] },
      })
      expect(await change({ old_password: 'wrong', new_password: 'erin-new-password' })).toEqual({
        status: 400,
        body: { old_password: [WRONG_OLD_PASSWORD] },
      })
      expect(
        await change({ old_password: 'erin-password', new_password: 'erin-new-password' }),
      ).toEqual({ status: 200, body: {} })
      expect(await view(access)).toEqual({
        status: 401,
        body: { detail: "The user's password has been changed.", code: 'password_changed' },
      })
      const login = (password: string) => post('/api/token/', { username: 'erin', password })
      expect((await login('erin-password')).status).toBe(401)
      const fresh = await login('erin-new-password')
      expect((await view(String(fresh.body['access']))).status).toBe(200)
    })

    it('refuses an Authorization header sent twice on every authenticated route, as Django does', async () => {
      // Django joins the two lines with a comma, which leaves three words: simplejwt's 401. Node's
      // `req.headers` would keep the first line only and let the request through.
      const login = await post('/api/token/', { username: 'admin', password: 'admin-password' })
      const header = `Bearer ${String(login.body['access'])}`
      const routes = [
        ['GET', '/api/some-protected-view/'],
        ['GET', '/api/admin-only-view/'],
        ['GET', '/api/stateless-view/'],
        ['POST', '/api/change-password/'],
        // Last: accepted once, it logs the user out everywhere.
        ['POST', '/api/logout-everywhere/'],
      ] as const
      for (const [method, path] of routes) {
        // The same header once is accepted (change-password's 400 is about its missing fields).
        const once = await sendRepeated(
          `${started().url}${path}`,
          { authorization: header, 'content-type': 'application/json' },
          { method, body: '{}' },
        )
        expect([200, 400], `${method} ${path}`).toContain(once.status)
        const twice = await sendRepeated(
          `${started().url}${path}`,
          { authorization: [header, header], 'content-type': 'application/json' },
          { method, body: '{}' },
        )
        expect({ route: `${method} ${path}`, status: twice.status, body: twice.body }).toEqual({
          route: `${method} ${path}`,
          status: 401,
          body: {
            detail: 'Authorization header must contain two space-delimited values',
            code: 'bad_authorization_header',
          },
        })
      }
    })

    it('stops on SIGTERM with status 0, having closed the server and the database', async () => {
      const app = started()
      expect(await app.stop()).toBe(0)
      expect(app.output()).toMatch(/SIGTERM received, stopping\n.*stopped\n/)
    })
  })
}
