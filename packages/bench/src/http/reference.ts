import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createSimpleJWT } from '@simplejwt/core'
import { SECRET } from '../fixtures'
import { type Served, stop } from './load'

const GUNICORN = '/usr/bin/gunicorn'
const PYTHON = '/usr/bin/python3'
const REFERENCE_DIR = fileURLToPath(new URL('../../../core/test/reference', import.meta.url))
const SHIM_DIR = fileURLToPath(new URL('../../reference', import.meta.url))

/** Gunicorn's options, as written in the results: one process as the Node servers, threads for keep-alive. */
export const GUNICORN_ARGS = [
  '--workers',
  '1',
  '--worker-class',
  'gthread',
  '--threads',
  '4',
  '--log-level',
  'warning',
]

/** Why the reference cannot run here, or null when Debian's gunicorn and simplejwt are installed. */
export function referenceMissing(): string | null {
  if (!existsSync(GUNICORN)) return `${GUNICORN} is not installed (Debian package gunicorn)`
  const probe = spawnSync(PYTHON, ['-c', 'import rest_framework_simplejwt'], { stdio: 'ignore' })
  if (probe.status !== 0) return 'python3-djangorestframework-simplejwt is not installed'
  return null
}

/** The reference under gunicorn, with tokens minted here under the contract's secret. */
export async function startReference(): Promise<Served> {
  // The reference's defaults: HS256 under the contract's secret key.
  const sjwt = await createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ACCESS_TOKEN_LIFETIME: 3600 },
  })
  const refreshToken = await sjwt.RefreshToken.forUser({ id: 1 })
  const refresh = await refreshToken.sign()
  const access = await refreshToken.accessToken.sign()
  const payload = (await sjwt.AccessToken.decode(access)).payload
  const port = await freePort()
  const child = spawn(
    GUNICORN,
    [
      ...GUNICORN_ARGS,
      '--bind',
      `127.0.0.1:${port}`,
      '--chdir',
      SHIM_DIR,
      'bench_reference:application',
    ],
    {
      env: {
        ...process.env,
        SIMPLEJWT_REFERENCE_DIR: REFERENCE_DIR,
        PYTHONDONTWRITEBYTECODE: '1',
        BENCH_PAYLOAD: JSON.stringify(payload),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const url = `http://127.0.0.1:${port}`
  await ready(child, `${url}/test/health/`)
  return {
    url,
    authorization: `Bearer ${access}`,
    routes: [
      { name: 'unprotected', path: '/bench/unprotected-view/' },
      { name: 'simplejwt (JWTAuthentication)', path: '/api/some-protected-view/' },
      { name: 'refresh endpoint', path: '/api/token/refresh/', body: { refresh } },
      { name: 'verify endpoint', path: '/api/token/verify/', body: { token: access } },
    ],
    stop: () => stopGunicorn(child),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Waits (up to a minute: the workers migrate their databases first) for the health route. */
async function ready(child: ChildProcess, health: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gunicorn exited (${child.exitCode})`)
    try {
      if ((await fetch(health)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await stopGunicorn(child)
  throw new Error('the reference did not answer within a minute')
}

/** gunicorn stops its workers on SIGTERM and exits. */
function stopGunicorn(child: ChildProcess): Promise<void> {
  return stop(child)
}
