/**
 * The playground page's script: every call goes through @simplejwt/client, whose injected fetch
 * adds `Accept-Language` and records each request and answer for the Response panel.
 * Server data is only ever written as text (`textContent`), never parsed as HTML.
 */
import {
  type Client,
  ClientError,
  createClient,
  type DecodedToken,
  decodeToken,
  type TokenChange,
  type TokenPair,
  webStorage,
} from '@simplejwt/client'

const ROUTES = {
  protected: ['GET', '/api/some-protected-view/', 'Protected view'],
  admin: ['GET', '/api/admin-only-view/', 'Admin-only view'],
  stateless: ['GET', '/api/stateless-view/', 'Stateless view'],
  everywhere: ['POST', '/api/logout-everywhere/', 'Log out everywhere'],
} as const

/** Token endpoints answer 401 about the token in their body, not about the caller's header. */
const TOKEN_ENDPOINTS = '/api/token/'

/** One request the client made, and its answer. */
interface Exchange {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly statusText: string
  /** `Content-Language` of the answer, so Korean text is marked as Korean. */
  readonly language: string | null
  readonly body: string
}

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id)
  if (!(found instanceof type)) throw new Error(`the page has no #${id}`)
  return found
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

const language = element('language', HTMLSelectElement)
const ahead = element('ahead', HTMLInputElement)
const credentials = element('credentials', HTMLFormElement)
const verifyForm = element('verify', HTMLFormElement)
const verifyToken = element('verify-token', HTMLTextAreaElement)
const passwordForm = element('change-password', HTMLFormElement)
const session = element('session', HTMLParagraphElement)
const responsePanel = element('response', HTMLDivElement)
const logList = element('log', HTMLOListElement)

// ---- The client, and what it sends and receives ----

/** The actions under way, each collecting the exchanges made while it runs. */
const collectors = new Set<Exchange[]>()
/** A route refused the access token (401 token_not_valid) since the last refresh. */
let refusedSinceRefresh = false
/** The Refresh button's own refresh is under way: not one the client made on its own. */
let ownRefresh = false

const tracedFetch: typeof fetch = async (input, init) => {
  const request = input instanceof Request ? input : undefined
  const headers = new Headers(init?.headers ?? request?.headers)
  headers.set('accept-language', language.value)
  const response = await fetch(input, { ...init, headers })
  const url = new URL(request?.url ?? String(input), location.href)
  const body = await response
    .clone()
    .text()
    .catch(() => '')
  const exchange: Exchange = {
    method: (init?.method ?? request?.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    status: response.status,
    statusText: response.statusText,
    language: response.headers.get('content-language'),
    body,
  }
  if (
    response.status === 401 &&
    !exchange.path.startsWith(TOKEN_ENDPOINTS) &&
    parse(body)?.['code'] === 'token_not_valid'
  ) {
    refusedSinceRefresh = true
  }
  for (const collected of collectors) collected.push(exchange)
  return response
}

const storage = webStorage(sessionStorage)
const makeClient = (refreshAhead: boolean): Client =>
  createClient({ storage, fetch: tracedFetch, refreshMargin: refreshAhead ? 30 : false })

let client = makeClient(ahead.checked)
let stopListening = client.onChange(onChange)

ahead.addEventListener('change', () => {
  // refreshMargin is fixed when a client is made: a new one takes the stored tokens over.
  stopListening()
  client.close()
  client = makeClient(ahead.checked)
  stopListening = client.onChange(onChange)
  log(
    ahead.checked
      ? 'The client now refreshes ahead of exp (refreshMargin 30 s, at most half the lifetime).'
      : 'The client now refreshes only after a 401 (refreshMargin false).',
  )
})

function onChange({ tokens, reason }: TokenChange): void {
  renderTokens(tokens)
  switch (reason) {
    case 'login':
      log(`Logged in: a new pair${userOf(tokens)}.`)
      break
    case 'set':
      log(`Registered: the pair from the sign-up answer was given to the client${userOf(tokens)}.`)
      break
    case 'refresh':
      if (ownRefresh) log('Refreshed (the Refresh button).')
      else
        log(
          refusedSinceRefresh
            ? 'The client refreshed the access token on its own, after a 401 (token_not_valid), and sent the call again.'
            : 'The client refreshed the access token on its own, ahead of exp.',
        )
      refusedSinceRefresh = false
      break
    case 'sync':
      log('Another tab changed the tokens.')
      break
    case 'logout':
      log('Logged out: the client forgot the tokens.')
      break
    case 'expired':
      log('The refresh token was refused: the client forgot the tokens. Log in again.')
      break
  }
}

function userOf(tokens: TokenPair | null): string {
  if (tokens === null) return ''
  const id = safeDecode(tokens.access)?.payload['user_id']
  return id === undefined ? '' : ` (user_id ${JSON.stringify(id)})`
}

// ---- Actions ----

/** Runs one action and shows the requests it made, with their answers, in the Response panel. */
async function run(title: string, action: () => Promise<string | undefined>): Promise<void> {
  const exchanges: Exchange[] = []
  collectors.add(exchanges)
  let note: string | undefined
  let failed = false
  try {
    note = await action()
  } catch (error) {
    failed = true
    note = describeError(error)
  } finally {
    collectors.delete(exchanges)
  }
  renderResponse(title, exchanges, note, failed)
}

function describeError(error: unknown): string {
  // The client's messages never contain token bytes; other errors (network) are shown by name.
  if (error instanceof ClientError) return `${error.name} (${error.code}): ${error.message}`
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return 'the call failed'
}

function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string') values[name] = value
  }
  return values
}

const jsonPost = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify(body),
})

credentials.addEventListener('submit', (event) => {
  // The form never submits itself: credentials go in a POST body, never in a URL.
  event.preventDefault()
  const submitter = (event as SubmitEvent).submitter
  const { username = '', password = '' } = formValues(credentials)
  if (submitter instanceof HTMLButtonElement && submitter.value === 'register') {
    void run('Register', async () => {
      const response = await client.fetch('/api/register/', jsonPost({ username, password }))
      if (response.status !== 201) return undefined
      const pair = (await response.json()) as { access: string; refresh: string }
      await client.setTokens(pair)
      return undefined
    })
  } else {
    void run('Log in', async () => {
      await client.login({ username, password })
      return undefined
    })
  }
})

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-call]')) {
  button.addEventListener('click', () => {
    const call = button.dataset['call'] ?? ''
    if (call === 'refresh') void run('Refresh', refresh)
    else if (call === 'logout') void run('Log out (blacklist)', logout)
    else if (call in ROUTES) {
      const [method, path, title] = ROUTES[call as keyof typeof ROUTES]
      void run(title, async () => {
        await client.fetch(path, { method, headers: { accept: 'application/json' } })
        return path === ROUTES.everywhere[1]
          ? 'On 200, every token issued to this user so far is refused: the next call shows it.'
          : undefined
      })
    }
  })
}

async function refresh(): Promise<string | undefined> {
  if (client.tokens === null) return 'Not logged in: nothing to refresh.'
  ownRefresh = true
  try {
    await client.refresh()
  } finally {
    ownRefresh = false
  }
  return undefined
}

async function logout(): Promise<string | undefined> {
  const { blacklisted } = await client.logout()
  return blacklisted
    ? 'The refresh token is blacklisted.'
    : 'The refresh token was not blacklisted (not logged in, or the server refused).'
}

verifyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  void run('Verify', async () => {
    const valid = await client.verify(verifyToken.value.trim())
    return valid ? 'The server accepts this token.' : 'The server refuses this token.'
  })
})

passwordForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const body = formValues(passwordForm)
  void run('Change password', async () => {
    const response = await client.fetch('/api/change-password/', jsonPost(body))
    if (response.ok) passwordForm.reset()
    return undefined
  })
})

element('options', HTMLFormElement).addEventListener('submit', (event) => event.preventDefault())

// ---- Rendering ----

function renderResponse(
  title: string,
  exchanges: readonly Exchange[],
  note: string | undefined,
  failed: boolean,
): void {
  const items: Node[] = [h('h3', {}, title)]
  if (exchanges.length === 0 && note === undefined) items.push(h('p', {}, 'No request was made.'))
  for (const exchange of exchanges) {
    const ok = exchange.status >= 200 && exchange.status < 300
    const pretty = prettyJson(exchange.body)
    items.push(
      h(
        'div',
        { class: 'exchange' },
        h(
          'p',
          {},
          h('code', {}, `${exchange.method} ${exchange.path}`),
          ' → ',
          h(
            'strong',
            { class: ok ? 'status-ok' : 'status-fail' },
            `${exchange.status} ${exchange.statusText}`.trim(),
          ),
        ),
        h('pre', exchange.language === null ? {} : { lang: exchange.language }, pretty),
      ),
    )
  }
  if (note !== undefined) items.push(h('p', failed ? { class: 'status-fail' } : {}, note))
  responsePanel.replaceChildren(...items)
}

function log(text: string): void {
  const now = new Date()
  logList.append(
    h('li', {}, h('time', { datetime: now.toISOString() }, now.toLocaleTimeString()), text),
  )
}

/** Elements showing time left until an `exp`, updated every second. */
const countdowns = new Map<HTMLElement, Date>()

function renderTokens(tokens: TokenPair | null): void {
  countdowns.clear()
  session.textContent =
    tokens === null
      ? 'Not logged in.'
      : `Logged in${userOf(tokens)}. Both tokens are decoded here without verification, as jwt.io does.`
  renderToken('access', tokens?.access ?? null)
  renderToken('refresh', tokens?.refresh ?? null)
  verifyToken.value = tokens?.access ?? ''
  tick()
}

function renderToken(id: 'access' | 'refresh', token: string | null): void {
  const container = document.querySelector(`#${id} .token`)
  if (container === null) return
  if (token === null) {
    container.replaceChildren(h('p', {}, 'None.'))
    return
  }
  const decoded = safeDecode(token)
  const [header = '', payload = '', signature = ''] = token.split('.')
  const encoded = h(
    'p',
    { class: 'encoded' },
    h('span', { class: 'jwt-header' }, header),
    '.',
    h('span', { class: 'jwt-payload' }, payload),
    '.',
    h('span', { class: 'jwt-signature' }, signature),
  )
  if (decoded === null) {
    container.replaceChildren(encoded, h('p', { class: 'expired' }, 'This is not a readable JWT.'))
    return
  }
  const type = decoded.payload['token_type']
  const alg = decoded.header['alg']
  container.replaceChildren(
    h('p', {}, 'Type: ', h('strong', {}, typeof type === 'string' ? type : '(no token_type)')),
    h('h4', {}, 'Encoded'),
    encoded,
    h('h4', {}, 'Header'),
    h('pre', { class: 'jwt-header' }, JSON.stringify(decoded.header, null, 2)),
    h('h4', {}, 'Payload'),
    h('pre', { class: 'jwt-payload' }, JSON.stringify(decoded.payload, null, 2)),
    times(decoded),
    h('h4', {}, 'Signature'),
    h(
      'p',
      {},
      h('span', { class: 'jwt-signature' }, typeof alg === 'string' ? alg : 'unknown algorithm'),
      ' over the header and payload, with the server’s key: only the server can check it (Verify below).',
    ),
  )
}

function times(decoded: DecodedToken): HTMLElement {
  const list = h('dl', { class: 'times' })
  if (decoded.issuedAt !== null) {
    list.append(h('dt', {}, 'Issued (iat)'), h('dd', {}, decoded.issuedAt.toLocaleString()))
  }
  if (decoded.expiresAt !== null) {
    const left = h('span', {})
    countdowns.set(left, decoded.expiresAt)
    list.append(
      h('dt', {}, 'Expires (exp)'),
      h('dd', {}, decoded.expiresAt.toLocaleString(), ' (', left, ')'),
    )
  }
  return list
}

function tick(): void {
  const now = Date.now()
  for (const [node, expiresAt] of countdowns) {
    const ms = expiresAt.getTime() - now
    node.textContent = ms > 0 ? `expires in ${duration(ms)}` : `expired ${duration(-ms)} ago`
    node.className = ms > 0 ? '' : 'expired'
  }
}

function duration(ms: number): string {
  const total = Math.floor(ms / 1000)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = String(total % 60).padStart(2, '0')
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`
}

function safeDecode(token: string): DecodedToken | null {
  try {
    return decodeToken(token)
  } catch {
    return null
  }
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function prettyJson(text: string): string {
  if (text === '') return '(no body)'
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

renderTokens(client.tokens)
setInterval(tick, 1000)
