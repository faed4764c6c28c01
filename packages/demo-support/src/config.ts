import type { SettingsInput } from '@simplejwt/core'

/** The contract's development key: what the apps sign with when SECRET_KEY is not set. */
export const DEVELOPMENT_SECRET_KEY = 'contract-secret-key-0123456789abcdef'

/** The address the apps listen on; only the port is configurable. */
export const HOST = '127.0.0.1'

const DEFAULT_PORT = 8000
const DEFAULT_DATABASE_URL = 'sqlite:./data/demo.sqlite3'

/** A demo app's configuration, read once from the environment. */
export interface DemoConfig {
  /** `PORT`: 0 asks the system for a free port. */
  readonly port: number
  /** `SECRET_KEY`: the default signing key, as Django's SECRET_KEY is simplejwt's. */
  readonly secretKey: string
  /** True when `SECRET_KEY` was not set and the fixed development key is in use. */
  readonly developmentKey: boolean
  /** `SIMPLE_JWT_JSON` in simplejwt's own names, `SIGNING_KEY` defaulting to the secret key. */
  readonly settings: SettingsInput
  /** True when `SIMPLE_JWT_JSON` names no `SIGNING_KEY`, so tokens are signed with the secret key. */
  readonly signsWithSecretKey: boolean
  /** The SQLite file of `DATABASE_URL` (`sqlite:PATH`), or `:memory:`. */
  readonly databasePath: string
}

/** The environment asks for something this build cannot do; the message says what to change. */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError'
}

type Environment = Readonly<Record<string, string | undefined>>

/** Reads and checks the demo apps' variables (see CONTRACT.md); throws {@link DemoConfigError}. */
export function readConfig(env: Environment): DemoConfig {
  const secret = env['SECRET_KEY']
  const developmentKey = secret === undefined || secret === ''
  const secretKey = developmentKey ? DEVELOPMENT_SECRET_KEY : secret
  const settings = readSettings(env['SIMPLE_JWT_JSON'])
  // Django's SIMPLE_JWT falls back on SECRET_KEY for SIGNING_KEY.
  const signsWithSecretKey = !('SIGNING_KEY' in settings || 'signingKey' in settings)
  return {
    port: readPort(env['PORT']),
    secretKey,
    developmentKey,
    settings: (signsWithSecretKey
      ? { SIGNING_KEY: secretKey, ...settings }
      : settings) as SettingsInput,
    signsWithSecretKey,
    databasePath: readDatabase(env['DATABASE_URL'], env['REDIS_URL']),
  }
}

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT
  const port = Number(value)
  if (!/^[0-9]{1,5}$/.test(value) || port > 65535) {
    throw new DemoConfigError(`PORT must be a port number from 0 to 65535; got '${value}'`)
  }
  return port
}

function readSettings(value: string | undefined): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value === undefined || value.trim() === '' ? '{}' : value)
  } catch (error) {
    throw new DemoConfigError(`SIMPLE_JWT_JSON is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DemoConfigError(
      'SIMPLE_JWT_JSON must be a JSON object of simplejwt settings, e.g. {"ROTATE_REFRESH_TOKENS": true}',
    )
  }
  return parsed as Record<string, unknown>
}

function readDatabase(url: string | undefined, redisUrl: string | undefined): string {
  if (redisUrl !== undefined && redisUrl !== '') {
    throw new DemoConfigError(
      'REDIS_URL is set, but this demo build supports sqlite only for now: unset REDIS_URL ' +
        '(the blacklist then lives in the DATABASE_URL sqlite file)',
    )
  }
  const value = url === undefined || url === '' ? DEFAULT_DATABASE_URL : url
  // Only the scheme is ever printed: a database URL may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    throw new DemoConfigError(
      'DATABASE_URL names a PostgreSQL database, but this demo build supports sqlite only for ' +
        'now: use DATABASE_URL=sqlite:PATH (default sqlite:./data/demo.sqlite3)',
    )
  }
  if (scheme !== 'sqlite') {
    throw new DemoConfigError(
      `DATABASE_URL must be sqlite:PATH (this demo build supports sqlite only for now); got a '${scheme ?? 'no'}' scheme`,
    )
  }
  // `sqlite:PATH`, or the URL form `sqlite:///abs/path` (`sqlite://` + an absolute path).
  const rest = value.slice('sqlite:'.length)
  const path = rest.startsWith('//') ? rest.slice(2) : rest
  if (path === '') throw new DemoConfigError('DATABASE_URL=sqlite:PATH needs a PATH')
  return path
}
