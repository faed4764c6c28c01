import { createHmac, randomBytes, sign } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sendRepeated } from '@simplejwt/adapter-tests'
import { type DemoProcess, startDemoProcess } from '@simplejwt/demo-support/testing'
import { startReference } from '../../core/test/reference/index'
import { namesOf, type Profile, secretKeyOf, signingKeyOf } from './profiles'
import type { Reply } from './shape'

export const FRAMEWORKS = ['express', 'hono', 'koa'] as const
export type Framework = (typeof FRAMEWORKS)[number]

/** The folder of a demo app. */
export function appDir(framework: Framework): string {
  return fileURLToPath(new URL(`../../../apps/${framework}-demo`, import.meta.url))
}

/** A request's body: JSON, form-urlencoded, multipart, or raw bytes of a content type. */
export type Body =
  | { readonly json: unknown }
  | { readonly form: Readonly<Record<string, string>> }
  | { readonly multipart: Readonly<Record<string, string>> }
  | { readonly raw: string; readonly contentType: string }

/** Request headers; a header given several values is sent once for each. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[]>>

/** One server under test, reference or demo, driven over real HTTP. */
export class Side {
  readonly name: string
  readonly url: string
  readonly #headers: Readonly<Record<string, string>>

  constructor(name: string, url: string, headers: Readonly<Record<string, string>> = {}) {
    this.name = name
    this.url = url
    this.#headers = headers
  }

  /** A header given several values is sent as a line each (through node:http: fetch joins them). */
  get(path: string, headers: RequestHeaders = {}): Promise<Reply> {
    const repeated = Object.values(headers).some((value) => typeof value !== 'string')
    return repeated
      ? sendRepeated(`${this.url}${path}`, { ...this.#headers, ...headers })
      : this.#request('GET', path, headers as Readonly<Record<string, string>>, undefined)
  }

  post(path: string, body?: Body, headers: Readonly<Record<string, string>> = {}) {
    return this.#request('POST', path, headers, body)
  }

  /** A POST of `text` whose headers may give a header several values, sent as a line each. */
  postRepeated(path: string, text: string, headers: RequestHeaders): Promise<Reply> {
    return sendRepeated(
      `${this.url}${path}`,
      { ...this.#headers, ...headers },
      {
        method: 'POST',
        body: text,
      },
    )
  }

  async #request(
    method: string,
    path: string,
    extra: Readonly<Record<string, string>>,
    body: Body | undefined,
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...this.#headers, ...extra }
    let payload: BodyInit | null = null
    if (body === undefined) {
      // No body at all.
    } else if ('json' in body) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(body.json)
    } else if ('form' in body) payload = new URLSearchParams(body.form)
    else if ('multipart' in body) {
      const form = new FormData()
      for (const [name, value] of Object.entries(body.multipart)) form.append(name, value)
      payload = form
    } else {
      headers['content-type'] = body.contentType
      payload = body.raw
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body: payload })
    return reply(response.status, response.headers, await response.text())
  }
}

/** A response with its body parsed when it is JSON. */
function reply(status: number, headers: Headers, text: string): Reply {
  let body: unknown = text
  if (/^application\/json\b/.test(headers.get('content-type') ?? '')) {
    try {
      body = JSON.parse(text)
    } catch {
      // Kept as text: the comparison shows it.
    }
  }
  return { status, headers, body }
}

/** The reference and the three demo apps, started with one profile. */
export interface Servers {
  readonly reference: Side
  readonly demos: Readonly<Record<Framework, Side>>
  /** The demo processes, for their output when something fails. */
  readonly processes: Readonly<Record<Framework, DemoProcess>>
  close(): Promise<void>
}

/** Starts the reference and the demo apps with the profile's settings, all at once. */
export async function startServers(profile: Profile): Promise<Servers> {
  const dir = mkdtempSync(join(tmpdir(), 'contract-'))
  const secretKey = secretKeyOf(profile)
  const env = { SECRET_KEY: secretKey, SIMPLE_JWT_JSON: JSON.stringify(profile.settings) }
  const processes: Partial<Record<Framework, DemoProcess>> = {}
  const started = await Promise.allSettled<{ url: string; close(): Promise<unknown> }>([
    startReference({ settings: { ...profile.settings }, secretKey }),
    ...FRAMEWORKS.map(async (framework) => {
      const app = await startDemoProcess(appDir(framework), {
        ...env,
        DATABASE_URL: `sqlite:${join(dir, `${framework}.sqlite3`)}`,
      })
      processes[framework] = app
      return { url: app.url, close: () => app.stop() }
    }),
  ])
  const close = async () => {
    await Promise.all(
      started.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)),
    )
    rmSync(dir, { recursive: true, force: true })
  }
  const urls = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value.url] : [],
  )
  const [reference, ...apps] = urls
  if (reference === undefined || apps.length !== FRAMEWORKS.length) {
    await close()
    throw started.find((result) => result.status === 'rejected')?.reason
  }
  const headers = profile.headers ?? {}
  return {
    reference: new Side('reference', reference, headers),
    demos: Object.fromEntries(
      FRAMEWORKS.map((framework, i) => [framework, new Side(framework, apps[i] ?? '', headers)]),
    ) as Record<Framework, Side>,
    processes: processes as Record<Framework, DemoProcess>,
    close,
  }
}

type TokenKind = 'access' | 'refresh' | 'sliding'

/** What the cases need to know of a profile, and tokens made outside the servers under test. */
export class Kit {
  readonly profile: Profile
  readonly names: ReturnType<typeof namesOf>
  readonly #reference: () => Side

  constructor(profile: Profile, reference: () => Side) {
    this.profile = profile
    this.names = namesOf(profile)
    this.#reference = reference
  }

  /** The header that carries `token`, as the profile's AUTH_HEADER_NAME and first AUTH_HEADER_TYPES. */
  auth(token: string, type = this.names.headerType): Record<string, string> {
    return { [this.names.header]: `${type} ${token}` }
  }

  /**
   * A token minted by the reference's own classes for user `userId`, `claims` set on it. No
   * password is checked: tokens for cases that are not about logging in cost no password hash.
   */
  async mint(kind: TokenKind, userId: number, claims: Record<string, unknown> = {}) {
    const reply = await this.#reference().post('/test/mint/', {
      json: { type: kind, user_id: userId, claims },
    })
    return field(reply, 'token')
  }

  /** A refresh token and its access token, minted by the reference for user `userId`. */
  async mintPair(userId: number): Promise<{ refresh: string; access: string }> {
    const reply = await this.#reference().post('/test/mint/', {
      json: { type: 'pair', user_id: userId },
    })
    return { refresh: field(reply, 'refresh'), access: field(reply, 'access') }
  }

  /**
   * A token signed here with the profile's algorithm and key, with exactly these claims: for
   * claims the reference will not mint (another audience, a user that does not exist).
   */
  sign(claims: Record<string, unknown>): string {
    const algorithm = String(this.profile.settings['ALGORITHM'] ?? 'HS256')
    const input = [{ alg: algorithm, typ: 'JWT' }, claims]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.')
    const hash = `sha${algorithm.slice(2)}`
    const key = signingKeyOf(this.profile)
    const signature = algorithm.startsWith('HS')
      ? createHmac(hash, key).update(input).digest()
      : sign(hash, Buffer.from(input), {
          key,
          ...(algorithm.startsWith('ES') ? { dsaEncoding: 'ieee-p1363' as const } : {}),
        })
    return `${input}.${signature.toString('base64url')}`
  }

  /**
   * The claims of a new token of `kind` for `userId`, as the profile's servers would write them:
   * its claim names, and its AUDIENCE and ISSUER when it sets them.
   */
  claims(kind: TokenKind, userId: unknown, lifetimeS = 300): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000)
    const { AUDIENCE: aud, ISSUER: iss } = this.profile.settings
    return {
      [this.names.tokenType]: kind,
      exp: now + lifetimeS,
      iat: now,
      [this.names.jti]: randomBytes(16).toString('hex'),
      [this.names.userId]: userId,
      ...(aud == null ? {} : { aud }),
      ...(iss == null ? {} : { iss }),
    }
  }
}

/** Field `name` of a JSON body, which must be a string (a token). */
export function field(reply: Reply, name: string): string {
  const value = (reply.body as Record<string, unknown> | null)?.[name]
  if (typeof value !== 'string') {
    throw new TypeError(`no string "${name}" in ${reply.status} ${JSON.stringify(reply.body)}`)
  }
  return value
}
