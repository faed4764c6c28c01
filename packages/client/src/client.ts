import { type DecodedToken, decodeToken } from './decode'
import {
  ClientError,
  type ErrorBody,
  InvalidResponseError,
  InvalidTokenError,
  LoginError,
  RefreshError,
  SessionExpiredError,
} from './errors'
import { type Coordinator, coordinator } from './lock'
import { memoryStorage, type TokenStorage } from './storage'

/** The tokens the client holds. With sliding tokens, both are the one sliding token. */
export interface TokenPair {
  readonly access: string
  readonly refresh: string
}

/** Why the tokens changed: `sync` is a change made by another page sharing the storage. */
export type ChangeReason = 'login' | 'set' | 'refresh' | 'sync' | 'logout' | 'expired'

export interface TokenChange {
  /** The new tokens; `null` after a logout or a refused refresh. */
  readonly tokens: TokenPair | null
  readonly reason: ChangeReason
}

/** The token endpoints' paths (or URLs), resolved against `baseUrl`. */
export interface Endpoints {
  /** Obtain: `/api/token/` (sliding: `/api/token/sliding/`). */
  readonly obtain: string
  /** Refresh: `/api/token/refresh/` (sliding: `/api/token/sliding/refresh/`). */
  readonly refresh: string
  /** Verify: `/api/token/verify/`. */
  readonly verify: string
  /** Blacklist, called by `logout()`; `null`: the server has none. `/api/token/blacklist/`. */
  readonly blacklist: string | null
}

export interface ClientOptions {
  /** The API's URL; paths given to `fetch` and the endpoints resolve against it. Defaults to the page's URL in a browser; required elsewhere. */
  readonly baseUrl?: string | URL
  /** The token endpoints; defaults are simplejwt's `urls.py` paths. */
  readonly endpoints?: Partial<Endpoints>
  /** The word before the token in the header, as simplejwt's `AUTH_HEADER_TYPES[0]`. Default `Bearer`. */
  readonly headerType?: string
  /** The header carrying the token, as `AUTH_HEADER_NAME`. Default `Authorization`. */
  readonly headerName?: string
  /** Where the tokens are kept. Default: memory, for the client's lifetime. */
  readonly storage?: TokenStorage
  /** The storage key, and the name of the lock and channel shared by pages. Default `simplejwt.tokens`. */
  readonly storageKey?: string
  /** The fetch used for every request. Default: the global `fetch`. */
  readonly fetch?: typeof fetch
  /**
   * Seconds before the access token's `exp` (on the server's clock) to refresh ahead of time, at
   * most half the token's lifetime; `false`: refresh only when the server answers 401. Default 30.
   */
  readonly refreshMargin?: number | false
  /** Sliding tokens: obtain gives `{token}`, refreshed with `{token}` at the sliding refresh endpoint. */
  readonly sliding?: boolean
  /** Origins that receive the token. Default: the origin of `baseUrl`; other requests go out untouched. */
  readonly tokenOrigins?: readonly string[]
}

/** A user's credentials, by whatever fields the server's `USERNAME_FIELD` asks for. */
export type Credentials = Readonly<Record<string, unknown>>

/** The options `createClient` was given, with defaults applied. */
interface Settings {
  readonly base: URL
  readonly endpoints: Endpoints
  readonly headerType: string
  readonly headerName: string
  readonly storage: TokenStorage
  readonly storageKey: string
  readonly fetch: typeof fetch
  readonly refreshMarginMs: number | false
  readonly sliding: boolean
  readonly tokenOrigins: ReadonlySet<string>
}

/** `createClient` was given options it cannot work with. */
export class ConfigurationError extends ClientError {
  override readonly code = 'invalid_configuration' as const
}

type Listener = (change: TokenChange) => void

export class Client {
  readonly #settings: Settings
  readonly #coordinator: Coordinator
  readonly #listeners = new Set<Listener>()
  readonly #unsubscribe: () => void
  readonly #decoded = new Map<string, DecodedToken>()
  #tokens: TokenPair | null = null
  #ready: Promise<void> | undefined
  #inflight: Promise<TokenPair> | undefined
  /** The server's clock minus the local clock, in ms, from `iat` of the tokens it issued. */
  #offsetMs = 0

  constructor(settings: Settings) {
    this.#settings = settings
    const shared = settings.storage.shared === true
    const sync = () => {
      this.#syncFromStorage().catch(() => {})
    }
    this.#coordinator = coordinator(settings.storageKey, shared, sync)
    this.#unsubscribe = settings.storage.subscribe?.(settings.storageKey, sync) ?? (() => {})
    // Synchronous storage (memory, localStorage) gives `tokens` at once; async storage by the
    // first call.
    const stored = this.#readStored()
    if (isPromiseLike(stored)) {
      this.#ready = stored.then(
        (tokens) => {
          this.#tokens = tokens
        },
        () => {},
      )
    } else this.#tokens = stored
  }

  /** The current pair, or `null` when logged out (or, with async storage, not yet read). */
  get tokens(): TokenPair | null {
    return this.#tokens
  }

  /** Resolves once the stored tokens have been read (at once with synchronous storage). */
  async ready(): Promise<void> {
    await this.#ready
  }

  /** Calls `listener` on every change of the tokens; returns the function that stops it. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The header carrying `access`: `[headerName, "<headerType> <access>"]`. */
  authorization(access: string): [name: string, value: string] {
    return [this.#settings.headerName, `${this.#settings.headerType} ${access}`]
  }

  /** Whether requests to `url` carry the token (its origin is one of `tokenOrigins`). */
  sendsTokenTo(url: string | URL): boolean {
    return this.#settings.tokenOrigins.has(new URL(url, this.#settings.base).origin)
  }

  /**
   * POSTs `credentials` to the obtain endpoint and keeps the tokens. Rejects with
   * {@link LoginError} (with simplejwt's `status` and body) when refused or unreachable.
   */
  async login(credentials: Credentials): Promise<TokenPair> {
    await this.#ready
    let response: Response
    try {
      response = await this.#post(this.#settings.endpoints.obtain, credentials)
    } catch (cause) {
      throw new LoginError('the login endpoint could not be reached', undefined, null, { cause })
    }
    const body = await readJson(response)
    if (!response.ok) {
      throw new LoginError(
        `the server refused the login (${response.status})`,
        response.status,
        body,
      )
    }
    const tokens = this.#pairFrom(response.status, body, undefined)
    await this.#store(tokens, 'login')
    return tokens
  }

  /**
   * Keeps tokens issued elsewhere (a sign-up route that answers with a pair). With sliding tokens,
   * `refresh` may be left out. Throws {@link InvalidTokenError} for a token that is not a JWT.
   */
  async setTokens(tokens: { access: string; refresh?: string }): Promise<void> {
    await this.#ready
    const refresh = tokens.refresh ?? (this.#settings.sliding ? tokens.access : undefined)
    if (refresh === undefined) throw new InvalidTokenError('a refresh token is required')
    const pair = { access: tokens.access, refresh }
    this.#decode(pair.access)
    this.#decode(pair.refresh)
    await this.#store(pair, 'set')
  }

  /**
   * The access token to send now, refreshed first when within `refreshMargin` of its `exp`;
   * `null` when logged out.
   */
  async getAccessToken(): Promise<string | null> {
    return (await this.#current()).tokens?.access ?? null
  }

  /**
   * Refreshes the tokens, once for all concurrent callers (and all pages sharing the storage).
   * Given the access token the server refused, resolves with the current pair at once when
   * another call has already replaced it.
   */
  async refresh(rejectedAccess?: string): Promise<TokenPair> {
    await this.#ready
    const tokens = this.#tokens
    if (tokens === null) throw new SessionExpiredError('not logged in', undefined, null)
    if (rejectedAccess !== undefined && tokens.access !== rejectedAccess) return tokens
    return this.#refreshFrom(tokens)
  }

  /** Asks the verify endpoint about the access token (or `token`): true on 200, false on 401. */
  async verify(token?: string): Promise<boolean> {
    await this.#ready
    const candidate = token ?? this.#tokens?.access
    if (candidate === undefined) return false
    const response = await this.#post(this.#settings.endpoints.verify, { token: candidate })
    await response.body?.cancel()
    if (response.ok || response.status === 401) return response.ok
    throw new RefreshError(
      `the verify endpoint answered ${response.status}`,
      response.status,
      await readJson(response),
    )
  }

  /**
   * Blacklists the refresh token where the server has the endpoint (404 and network errors are
   * fine), then forgets the tokens and tells listeners. Resolves whether the server blacklisted it.
   */
  async logout(): Promise<{ blacklisted: boolean }> {
    await this.#ready
    // A refresh under way would bring back tokens after the logout.
    await this.#inflight?.catch(() => {})
    const tokens = this.#tokens
    let blacklisted = false
    const { blacklist } = this.#settings.endpoints
    if (tokens !== null && !this.#settings.sliding && blacklist !== null) {
      try {
        const response = await this.#post(blacklist, { refresh: tokens.refresh })
        await response.body?.cancel()
        blacklisted = response.ok
      } catch {
        // Forgetting the tokens matters more than telling the server.
      }
    }
    await this.#store(null, 'logout')
    return { blacklisted }
  }

  /** Stops listening to other pages (BroadcastChannel, `storage` events). */
  close(): void {
    this.#coordinator.close()
    this.#unsubscribe()
  }

  /**
   * `fetch` with the token: adds the header, refreshes ahead of `exp`, and on a 401 with
   * `code: "token_not_valid"` refreshes once and sends the request once more (unless its body is
   * a stream, which cannot be sent twice: then the 401 is returned).
   */
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    await this.#ready
    const request = input instanceof Request ? input : undefined
    const url = request === undefined ? new URL(input as string | URL, this.#settings.base) : null
    const target = request ?? url?.href ?? ''
    if (!this.sendsTokenTo(request?.url ?? url?.href ?? ''))
      return this.#settings.fetch(target, init)

    const replayable = canReplay(init?.body)
    // A Request's body can be read once: a clone, taken before the first send, is the retry's.
    const spare = replayable && request !== undefined && !request.bodyUsed ? request.clone() : null
    const { tokens, refreshed } = await this.#current()
    const send = (source: Request | string, access: string | undefined) => {
      const headers = new Headers(
        init?.headers ?? (source instanceof Request ? source.headers : {}),
      )
      if (access !== undefined) headers.set(...this.authorization(access))
      return this.#settings.fetch(source, { ...init, headers })
    }
    const first = await send(target, tokens?.access)
    if (first.status !== 401 || tokens === null || refreshed || !replayable) return first
    if (!(await saysTokenNotValid(first))) return first
    const next = await this.refresh(tokens.access)
    await first.body?.cancel().catch(() => {})
    return send(spare ?? target, next.access)
  }

  /** The tokens to send now, refreshed ahead of time when due; `refreshed` once a refresh was tried. */
  async #current(): Promise<{ tokens: TokenPair | null; refreshed: boolean }> {
    await this.#ready
    const tokens = this.#tokens
    if (tokens === null || !this.#due(tokens.access)) return { tokens, refreshed: false }
    try {
      return { tokens: await this.#refreshFrom(tokens), refreshed: true }
    } catch (error) {
      // A refresh that cannot be done now is no reason to fail a call the token still covers.
      if (error instanceof RefreshError && !this.#expired(tokens.access)) {
        return { tokens, refreshed: true }
      }
      throw error
    }
  }

  /** Single flight: concurrent callers share one refresh. */
  #refreshFrom(used: TokenPair): Promise<TokenPair> {
    this.#inflight ??= this.#coordinator
      .exclusive(() => this.#refreshHoldingLock(used.refresh))
      .finally(() => {
        this.#inflight = undefined
      })
    return this.#inflight
  }

  async #refreshHoldingLock(used: string): Promise<TokenPair> {
    // Another page may have refreshed while this one waited for the lock.
    const current = await this.#adoptStored()
    if (current === null)
      throw new SessionExpiredError('logged out in another page', undefined, null)
    if (current.refresh !== used) return current
    const body = this.#settings.sliding ? { token: used } : { refresh: used }
    let response: Response
    try {
      response = await this.#post(this.#settings.endpoints.refresh, body)
    } catch (cause) {
      throw new RefreshError('the refresh endpoint could not be reached', undefined, null, {
        cause,
      })
    }
    const answer = await readJson(response)
    if (response.status === 401) {
      // A page without Web Locks may have rotated the token just before: its pair is good.
      const stored = await this.#adoptStored()
      if (stored !== null && stored.refresh !== used) return stored
      await this.#store(null, 'expired')
      throw new SessionExpiredError('the refresh token was refused: log in again', 401, answer)
    }
    if (!response.ok) {
      throw new RefreshError(
        `the refresh endpoint answered ${response.status}`,
        response.status,
        answer,
      )
    }
    const tokens = this.#pairFrom(response.status, answer, used)
    await this.#store(tokens, 'refresh')
    return tokens
  }

  /** Reads the storage when it is shared with other pages, taking what they wrote. */
  async #adoptStored(): Promise<TokenPair | null> {
    if (this.#settings.storage.shared === true) await this.#syncFromStorage()
    return this.#tokens
  }

  async #syncFromStorage(): Promise<void> {
    const stored = await this.#readStored()
    const current = this.#tokens
    if (stored?.access === current?.access && stored?.refresh === current?.refresh) return
    this.#tokens = stored
    this.#emit(stored === null ? 'logout' : 'sync')
  }

  /** The stored pair; a value that is not one (corrupt, tampered, old format) is removed. */
  #readStored(): TokenPair | null | Promise<TokenPair | null> {
    const { storage, storageKey } = this.#settings
    const parse = (
      raw: string | null | undefined,
    ): TokenPair | null | Promise<TokenPair | null> => {
      if (raw === null || raw === undefined) return null
      const tokens = this.#parseStored(raw)
      if (tokens !== null) return tokens
      try {
        const removed = storage.remove(storageKey)
        if (!isPromiseLike(removed)) return null
        return Promise.resolve(removed).then(
          () => null,
          () => null,
        )
      } catch {
        return null
      }
    }
    const raw = storage.get(storageKey)
    return isPromiseLike(raw) ? Promise.resolve(raw).then(parse) : parse(raw)
  }

  #parseStored(raw: string): TokenPair | null {
    try {
      const value: unknown = JSON.parse(raw)
      if (!isObject(value)) return null
      const { access, refresh } = value
      if (typeof access !== 'string' || typeof refresh !== 'string') return null
      this.#decode(access)
      this.#decode(refresh)
      return { access, refresh }
    } catch {
      return null
    }
  }

  async #store(tokens: TokenPair | null, reason: ChangeReason): Promise<void> {
    const { storage, storageKey } = this.#settings
    this.#tokens = tokens
    this.#decoded.clear()
    if (tokens === null) await storage.remove(storageKey)
    else await storage.set(storageKey, JSON.stringify(tokens))
    this.#coordinator.announce()
    this.#emit(reason)
  }

  #emit(reason: ChangeReason): void {
    const change = { tokens: this.#tokens, reason }
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch (error) {
        // As an event listener's error: reported, without breaking the client's own work.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** The pair in an obtain or refresh answer, checked; notes the server's clock from `iat`. */
  #pairFrom(
    status: number,
    body: ErrorBody | null,
    previousRefresh: string | undefined,
  ): TokenPair {
    const invalid = (message: string, cause?: unknown) =>
      new InvalidResponseError(message, status, body, { cause })
    let access: unknown
    let refresh: unknown
    if (this.#settings.sliding) {
      access = body?.['token']
      refresh = access
    } else {
      access = body?.['access']
      refresh = body?.['refresh'] ?? previousRefresh
    }
    if (typeof access !== 'string' || typeof refresh !== 'string') {
      throw invalid('the token endpoint answered without tokens')
    }
    let decoded: DecodedToken
    try {
      decoded = this.#decode(access)
      this.#decode(refresh)
    } catch (cause) {
      throw invalid('the token endpoint answered with a token that is not a valid JWT', cause)
    }
    // `iat` is whole seconds: the server's clock read up to 1 s later. Taking the later bound
    // refreshes up to a second early, never late.
    if (decoded.issuedAt !== null) this.#offsetMs = decoded.issuedAt.getTime() + 1000 - Date.now()
    return { access, refresh }
  }

  #decode(token: string): DecodedToken {
    let decoded = this.#decoded.get(token)
    if (decoded === undefined) {
      decoded = decodeToken(token)
      this.#decoded.set(token, decoded)
    }
    return decoded
  }

  /** Whether the access token is within the refresh margin of `exp`, on the server's clock. */
  #due(access: string): boolean {
    const margin = this.#settings.refreshMarginMs
    if (margin === false) return false
    const { expiresAt, issuedAt } = this.#decode(access)
    if (expiresAt === null) return false
    const exp = expiresAt.getTime()
    const lifetime = issuedAt === null ? Number.POSITIVE_INFINITY : exp - issuedAt.getTime()
    return Date.now() + this.#offsetMs >= exp - Math.min(margin, lifetime / 2)
  }

  #expired(access: string): boolean {
    const { expiresAt } = this.#decode(access)
    return expiresAt !== null && Date.now() + this.#offsetMs >= expiresAt.getTime()
  }

  #post(path: string, body: unknown): Promise<Response> {
    return this.#settings.fetch(new URL(path, this.#settings.base).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    })
  }
}

/** A client for a simplejwt server (this project's or Django's). Options are checked here, once. */
export function createClient(options: ClientOptions = {}): Client {
  const page = typeof location === 'undefined' ? undefined : location.href
  const baseOption = options.baseUrl ?? page
  if (baseOption === undefined) {
    throw new ConfigurationError('baseUrl is required outside a browser page')
  }
  let base: URL
  try {
    base = new URL(baseOption, page)
  } catch (cause) {
    throw new ConfigurationError('baseUrl is not a URL', { cause })
  }
  const margin = options.refreshMargin ?? 30
  if (margin !== false && !(typeof margin === 'number' && margin >= 0 && Number.isFinite(margin))) {
    throw new ConfigurationError('refreshMargin must be a number of seconds (0 or more) or false')
  }
  const sliding = options.sliding ?? false
  const globalFetch = typeof fetch === 'function' ? fetch : undefined
  const fetchImpl =
    options.fetch ??
    (globalFetch === undefined
      ? undefined
      : (input: RequestInfo | URL, init?: RequestInit) => globalFetch(input, init))
  if (fetchImpl === undefined) throw new ConfigurationError('no fetch: pass one as `fetch`')
  let origins: Set<string>
  try {
    origins = new Set((options.tokenOrigins ?? [base.origin]).map((o) => new URL(o).origin))
  } catch (cause) {
    throw new ConfigurationError('tokenOrigins must be URLs', { cause })
  }
  return new Client(
    Object.freeze({
      base,
      endpoints: {
        obtain: sliding ? '/api/token/sliding/' : '/api/token/',
        refresh: sliding ? '/api/token/sliding/refresh/' : '/api/token/refresh/',
        verify: '/api/token/verify/',
        blacklist: '/api/token/blacklist/',
        ...options.endpoints,
      },
      headerType: options.headerType ?? 'Bearer',
      headerName: options.headerName ?? 'Authorization',
      storage: options.storage ?? memoryStorage(),
      storageKey: options.storageKey ?? 'simplejwt.tokens',
      fetch: fetchImpl,
      refreshMarginMs: margin === false ? false : margin * 1000,
      sliding,
      tokenOrigins: origins,
    }) satisfies Settings,
  )
}

/** Bodies fetch can send again: everything but streams (and Node's async iterables). */
function canReplay(body: BodyInit | null | undefined): boolean {
  if (body === undefined || body === null || typeof body === 'string') return true
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true
  if (typeof Blob === 'function' && body instanceof Blob) return true
  if (typeof FormData === 'function' && body instanceof FormData) return true
  if (body instanceof URLSearchParams) return true
  return false
}

/** Whether a 401 is simplejwt's "token invalid or expired" (`code: "token_not_valid"`). */
async function saysTokenNotValid(response: Response): Promise<boolean> {
  const body = await readJson(response.clone())
  return body?.['code'] === 'token_not_valid'
}

async function readJson(response: Response): Promise<ErrorBody | null> {
  try {
    const value: unknown = JSON.parse(await response.text())
    return isObject(value) ? value : null
  } catch {
    return null
  }
}

/** A promise, from this realm or not (a storage may answer with another realm's promises). */
function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
