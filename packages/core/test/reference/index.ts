/**
 * The reference simplejwt 5.2.2 (Debian's python3-djangorestframework-simplejwt), run from
 * `server.py` beside this file, for the interoperability and differential tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'vitest'

const PYTHON = '/usr/bin/python3'
const SERVER = fileURLToPath(new URL('./server.py', import.meta.url))
const DEFAULT_SECRET_KEY = 'contract-secret-key-0123456789abcdef'
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000
const STDERR_TAIL_CHARS = 8_000
const INSTALL = 'apt-get install -y python3-djangorestframework-simplejwt python3-cryptography'

export interface ReferenceOptions {
  /** simplejwt's settings by their own names; lifetimes and LEEWAY in seconds. */
  settings?: Record<string, unknown>
  /** Django's SECRET_KEY, simplejwt's default SIGNING_KEY. Defaults to the contract's key. */
  secretKey?: string
}

export interface Reference {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string
  /** Stops the server (its whole process group) and waits for it to exit. */
  close(): Promise<void>
}

let available: boolean | undefined

// Synchronous so that `describeWithReference` can decide while vitest collects the suites.
function checkReference(): boolean {
  available ??=
    spawnSync(PYTHON, ['-c', 'import rest_framework_simplejwt, django, cryptography'], {
      stdio: 'ignore',
      timeout: 20_000,
    }).status === 0
  return available
}

/** Whether Debian's python3 can import simplejwt, Django and cryptography. */
export async function referenceAvailable(): Promise<boolean> {
  return checkReference()
}

/** Starts the reference on a free 127.0.0.1 port and resolves once it accepts requests. */
export async function startReference(options: ReferenceOptions = {}): Promise<Reference> {
  // Port 0: the server binds a free port and prints it. Its stdin is a pipe that nothing writes
  // to, so that it stops by itself if this process dies before calling close().
  const child = spawn(PYTHON, [SERVER, '0', '--stop-on-stdin-eof'], {
    detached: true, // its own process group, so that close() reaches anything it started
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      SECRET_KEY: options.secretKey ?? DEFAULT_SECRET_KEY,
      SIMPLE_JWT_JSON: JSON.stringify(options.settings ?? {}),
    },
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))

  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS)
  })

  const close = () => stop(child, exited)
  try {
    const port = await waitForPort(child, () => stderr)
    return { url: `http://127.0.0.1:${port}`, close }
  } catch (error) {
    await close()
    throw error
  }
}

function waitForPort(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    const fail = (why: string) => {
      cleanup()
      const output = stderr().trim()
      reject(new Error(`the reference simplejwt ${why}${output ? `; its stderr:\n${output}` : ''}`))
    }
    const onData = (chunk: string) => {
      stdout += chunk
      const match = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(stdout)
      if (match?.[1]) {
        cleanup()
        resolve(Number(match[1]))
      }
    }
    // 'close' rather than 'exit': by then stderr has been read to its end.
    const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited before it was ready (${signal ?? `code ${code}`})`)
    const onError = (error: Error) => fail(`could not be started: ${error.message}`)
    const timer = setTimeout(
      () => fail(`was not ready within ${READY_TIMEOUT_MS / 1000} s`),
      READY_TIMEOUT_MS,
    )
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('close', onClose)
      child.off('error', onError)
    }
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', onData)
    child.once('close', onClose)
    child.once('error', onError)
  })
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  signalGroup(child.pid, 'SIGTERM')
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

function inCI(): boolean {
  const { CI: ci } = process.env
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}

/**
 * `describe` for suites that need the reference. Without it the suite is skipped with a message,
 * except in CI, where it fails: a suite must not pass there by never running.
 */
export function describeWithReference(name: string, fn: () => void): void {
  if (checkReference()) {
    describe(name, fn)
  } else if (inCI()) {
    describe(name, () => {
      it('has the reference simplejwt', () => {
        throw new Error(`the reference simplejwt is required in CI: ${INSTALL}`)
      })
    })
  } else {
    console.warn(
      `skipping "${name}": the reference simplejwt is not installed (${PYTHON} cannot import ` +
        `rest_framework_simplejwt, django, cryptography); to run it: ${INSTALL}`,
    )
    describe.skip(name, fn)
  }
}
