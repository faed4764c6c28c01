/**
 * A simplejwt server in memory, for the client's unit tests: unsigned tokens with `exp` and `iat`
 * on the (frozen) clock, rotation with blacklist-after-rotation, simplejwt's bodies.
 */

export interface FakeServerOptions {
  /** Access token lifetime, seconds. */
  readonly accessLifetime?: number
  /** The server's clock minus the client's, seconds. */
  readonly skew?: number
  readonly sliding?: boolean
}

const TOKEN_NOT_VALID = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [
    { token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' },
  ],
}

export function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An unsigned JWT with these claims. */
export function jwt(payload: Record<string, unknown>): string {
  return `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}.c2ln`
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

export class FakeServer {
  readonly accessLifetime: number
  readonly skew: number
  readonly sliding: boolean
  /** Requests received: method and path, with the body read as text. */
  readonly requests: { method: string; path: string; body: string; authorization: string }[] = []
  readonly #access = new Set<string>()
  readonly #refresh = new Set<string>()
  readonly #blacklisted = new Set<string>()
  #counter = 0
  /** When set, answers the refresh endpoint instead of the normal logic. */
  refreshReply: (() => Response | Promise<Response>) | undefined
  /** When set, the protected view refuses every token (a refresh that yields a refused token). */
  refuseAll = false

  constructor(options: FakeServerOptions = {}) {
    this.accessLifetime = options.accessLifetime ?? 300
    this.skew = options.skew ?? 0
    this.sliding = options.sliding ?? false
  }

  get refreshes(): number {
    return this.requests.filter((r) => r.path.includes('refresh')).length
  }

  now(): number {
    return Math.floor(Date.now() / 1000) + this.skew
  }

  issue(type: string, lifetime = this.accessLifetime): string {
    this.#counter += 1
    const token = jwt({
      token_type: type,
      exp: this.now() + lifetime,
      iat: this.now(),
      jti: `jti-${this.#counter}`,
      user_id: 1,
    })
    ;(type === 'access' || type === 'sliding' ? this.#access : this.#refresh).add(token)
    if (type === 'sliding') this.#refresh.add(token)
    return token
  }

  pair(): { access: string; refresh: string } {
    return { refresh: this.issue('refresh', 86_400), access: this.issue('access') }
  }

  #valid(token: string, set: Set<string>): boolean {
    if (!set.has(token) || this.#blacklisted.has(token)) return false
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
    return payload.exp > this.now()
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const path = new URL(request.url).pathname
    const body = await request.text()
    const authorization = request.headers.get('authorization') ?? ''
    this.requests.push({ method: request.method, path, body, authorization })
    const data = () => JSON.parse(body) as Record<string, string>
    switch (path) {
      case '/api/token/':
      case '/api/token/sliding/': {
        const { username, password } = data()
        if (username === undefined || password === undefined) {
          return json(400, { password: ['This field is required.'] })
        }
        if (username !== 'alice' || password !== 'alice-password') {
          return json(401, {
            detail: 'No active account found with the given credentials',
            code: 'no_active_account',
          })
        }
        return json(200, this.sliding ? { token: this.issue('sliding') } : this.pair())
      }
      case '/api/token/refresh/':
      case '/api/token/sliding/refresh/': {
        if (this.refreshReply !== undefined) return this.refreshReply()
        const old = this.sliding ? data()['token'] : data()['refresh']
        if (old === undefined || !this.#valid(old, this.#refresh)) {
          return json(401, { detail: 'Token is blacklisted', code: 'token_not_valid' })
        }
        if (this.sliding) {
          this.#blacklisted.add(old)
          return json(200, { token: this.issue('sliding') })
        }
        this.#blacklisted.add(old)
        return json(200, { access: this.issue('access'), refresh: this.issue('refresh', 86_400) })
      }
      case '/api/token/verify/':
        return this.#valid(data()['token'] ?? '', this.#access)
          ? json(200, {})
          : json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' })
      case '/api/token/blacklist/': {
        this.#blacklisted.add(data()['refresh'] ?? '')
        return json(200, {})
      }
      case '/api/some-protected-view/': {
        const token = authorization.replace(/^Bearer /, '')
        if (
          !authorization.startsWith('Bearer ') ||
          this.refuseAll ||
          !this.#valid(token, this.#access)
        ) {
          return json(401, TOKEN_NOT_VALID)
        }
        return json(200, { user: { id: 1, username: 'alice' }, body })
      }
      case '/api/admin-only-view/':
        return json(403, { detail: 'You do not have permission to perform this action.' })
      case '/api/other-401/':
        return json(401, { detail: 'Some other reason.', code: 'other' })
      case '/api/html-401/':
        return new Response('<html>Unauthorized</html>', { status: 401 })
      default:
        return json(404, { detail: 'Not found.' })
    }
  }
}
