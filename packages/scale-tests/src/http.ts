import { fileURLToPath } from 'node:url'

export const FRAMEWORKS = ['express', 'hono', 'koa'] as const
export type Framework = (typeof FRAMEWORKS)[number]

/** The folder of a demo app. */
export function appDir(framework: Framework): string {
  return fileURLToPath(new URL(`../../../apps/${framework}-demo`, import.meta.url))
}

/** The secret every process of a test signs with: processes sharing a store share it too. */
export const SECRET_KEY = 'scale-test-secret-key-0123456789abcdef'

/** simplejwt's settings for rotation with blacklist. */
export const ROTATION = { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true } as const

/** What the refresh endpoint and authentication answer for a blacklisted or revoked token. */
export const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }

/** What every route that needs the store answers while it cannot be reached. */
export const STORE_UNAVAILABLE = {
  detail: 'Service temporarily unavailable, try again later.',
  code: 'store_unavailable',
}

export const ALICE = { username: 'alice', password: 'alice-password' }
export const ADMIN = { username: 'admin', password: 'admin-password' }

export interface Reply {
  readonly status: number
  readonly body: Record<string, unknown>
}

export interface Pair {
  readonly refresh: string
  readonly access: string
}

/** One demo process, driven over HTTP with JSON bodies. */
export class Client {
  readonly url: string

  constructor(url: string) {
    this.url = url
  }

  async post(path: string, body: unknown = {}, access?: string): Promise<Reply> {
    const reply = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(access) },
      body: JSON.stringify(body),
    })
    return { status: reply.status, body: (await reply.json()) as Record<string, unknown> }
  }

  async get(path: string, access?: string): Promise<Reply> {
    const reply = await fetch(`${this.url}${path}`, { headers: bearer(access) })
    return { status: reply.status, body: (await reply.json()) as Record<string, unknown> }
  }

  /** A pair for `credentials` (alice by default); throws unless the login answers 200. */
  async login(credentials = ALICE): Promise<Pair> {
    const reply = await this.post('/api/token/', credentials)
    if (reply.status !== 200)
      throw new Error(`login: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply.body as unknown as Pair
  }

  refresh(refresh: string): Promise<Reply> {
    return this.post('/api/token/refresh/', { refresh })
  }

  blacklist(refresh: string): Promise<Reply> {
    return this.post('/api/token/blacklist/', { refresh })
  }

  view(access: string): Promise<Reply> {
    return this.get('/api/some-protected-view/', access)
  }
}

function bearer(access: string | undefined): Record<string, string> {
  return access === undefined ? {} : { authorization: `Bearer ${access}` }
}

/** How many replies had each status and body, e.g. `{ '200': 1, '401 {"detail":...}': 49 }`. */
export function tally(replies: readonly Reply[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const { status, body } of replies) {
    const key = status === 200 ? '200' : `${status} ${JSON.stringify(body)}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
