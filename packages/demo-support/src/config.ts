import type { SettingsInput } from '@simplejwt/core'

/** The contract's development key: what the apps sign with when SECRET_KEY is not set. */
export const DEVELOPMENT_SECRET_KEY = 'contract-secret-key-0123456789abcdef'

/** The address the apps listen on; only the port is configurable. */
export const HOST = '127.0.0.1'

const DEFAULT_PORT = 8000
const DEFAULT_DATABASE_URL = 'sqlite:./data/demo.sqlite3'
const DEFAULT_SCHEMA = 'public'
const DEFAULT_REDIS_PREFIX = 'simplejwt:'

/** Where the users (and, without REDIS_URL, the tokens) live: `DATABASE_URL`. */
export type DatabaseConfig =
  | {
      readonly kind: 'sqlite'
      /** The SQLite file, or `:memory:`. */
      readonly path: string
    }
  | {
      readonly kind: 'postgres'
      /** The URL handed to `pg`, without the demo's own `schema` parameter. */
      readonly connectionString: string
      /** The `?schema=` parameter: the schema holding the tables. */
      readonly schema: string
      /** The URL as it may be printed: its password, if any, replaced by `***`. */
      readonly display: string
    }

/** Where the outstanding tokens, the blacklist and the revocations live: `REDIS_URL`. */
export interface RedisConfig {
  /** The URL handed to ioredis, without the demo's own `prefix` parameter. */
  readonly url: string
  /** The `?prefix=` parameter: put before every key. */
  readonly prefix: string
  /** The URL as it may be printed: its password, if any, replaced by `***`. */
  readonly display: string
}

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
  /** `DATABASE_URL`: `sqlite:PATH` or a `postgres://` URL. */
  readonly database: DatabaseConfig
  /** `REDIS_URL`, when set: the token store is then Redis, the users stay in the database. */
  readonly redis: RedisConfig | null
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
    database: readDatabase(env['DATABASE_URL']),
    redis: readRedis(env['REDIS_URL']),
  }
}

/** `url` with its password, if it has one, replaced by `***`: what may be printed of it. */
export function redactUrl(url: URL): string {
  const copy = new URL(url)
  if (copy.password !== '') copy.password = '***'
  return copy.toString()
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

// Only a URL's scheme, or its redacted form, is ever printed: a URL may carry a password.

function readDatabase(value: string | undefined): DatabaseConfig {
  const url = value === undefined || value === '' ? DEFAULT_DATABASE_URL : value
  const scheme = schemeOf(url)
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const parsed = parseUrl(url, 'DATABASE_URL', 'postgres://user:password@host:5432/database')
    const schema = takeParameter(parsed, 'schema') ?? DEFAULT_SCHEMA
    return {
      kind: 'postgres',
      // Handed on as given unless the demo's own parameter had to come out of it.
      connectionString: parsed.href === new URL(url).href ? url : parsed.toString(),
      schema,
      display: redactUrl(parsed),
    }
  }
  if (scheme !== 'sqlite') {
    throw new DemoConfigError(
      `DATABASE_URL must be sqlite:PATH or postgres://user:password@host:5432/database; got a '${scheme ?? 'no'}' scheme`,
    )
  }
  // `sqlite:PATH`, or the URL form `sqlite:///abs/path` (`sqlite://` + an absolute path).
  const rest = url.slice('sqlite:'.length)
  const path = rest.startsWith('//') ? rest.slice(2) : rest
  if (path === '') throw new DemoConfigError('DATABASE_URL=sqlite:PATH needs a PATH')
  return { kind: 'sqlite', path }
}

function readRedis(value: string | undefined): RedisConfig | null {
  if (value === undefined || value === '') return null
  const scheme = schemeOf(value)
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new DemoConfigError(
      `REDIS_URL must be redis://host:6379 or rediss://host:6379; got a '${scheme ?? 'no'}' scheme`,
    )
  }
  const parsed = parseUrl(value, 'REDIS_URL', 'redis://:password@host:6379/0')
  const prefix = takeParameter(parsed, 'prefix') ?? DEFAULT_REDIS_PREFIX
  return {
    url: parsed.href === new URL(value).href ? value : parsed.toString(),
    prefix,
    display: redactUrl(parsed),
  }
}

function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
}

function parseUrl(url: string, variable: string, example: string): URL {
  try {
    return new URL(url)
  } catch {
    throw new DemoConfigError(`${variable} is not a valid URL; it should look like ${example}`)
  }
}

/** Removes the query parameter `name` from `url` and returns its value; an empty one is an error. */
function takeParameter(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name)
  if (value === null) return undefined
  url.searchParams.delete(name)
  if (value === '') throw new DemoConfigError(`the ?${name}= parameter of the URL is empty`)
  return value
}
