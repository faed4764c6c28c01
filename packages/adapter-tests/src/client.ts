import { request as httpRequest } from 'node:http'

/** A response as the suite checks it: the body parsed when it is JSON, else its text. */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

/** Requests to one running server, over real HTTP. */
export class Client {
  readonly #base: () => string

  /** `base` is read at each request, so that a client can be made before its server starts. */
  constructor(base: () => string) {
    this.#base = base
  }

  async request(method: string, path: string, init: RequestInit = {}): Promise<Reply> {
    const response = await fetch(`${this.#base()}${path}`, { ...init, method })
    return replyOf(response.status, response.headers, await response.text())
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('GET', path, { headers })
  }

  /** A GET sending a header line for each of a header's values (see {@link sendRepeated}). */
  getRepeated(path: string, headers: Record<string, string | readonly string[]>): Promise<Reply> {
    return sendRepeated(`${this.#base()}${path}`, headers)
  }

  /** POSTs `json` as JSON; without it, no body at all. */
  post(path: string, json?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    if (json === undefined) return this.request('POST', path, { headers })
    return this.raw(path, JSON.stringify(json), 'application/json', headers)
  }

  /** POSTs `fields` as application/x-www-form-urlencoded. */
  form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request('POST', path, { body: new URLSearchParams(fields), headers })
  }

  /** POSTs `fields` as multipart/form-data. */
  multipart(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const body = new FormData()
    for (const [name, value] of Object.entries(fields)) body.append(name, value)
    return this.request('POST', path, { body, headers })
  }

  /** POSTs `body` as it is, with this content type. */
  raw(
    path: string,
    body: BodyInit,
    contentType: string,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    return this.request('POST', path, {
      body,
      headers: { 'content-type': contentType, ...headers },
    })
  }
}

/**
 * A request to `url` through node:http, which sends a header line for each of a header's values,
 * where fetch would join them into one line. `body`, when given, is sent with its length.
 */
export function sendRepeated(
  url: string,
  headers: Readonly<Record<string, string | readonly string[]>>,
  { method = 'GET', body }: { method?: string; body?: string } = {},
): Promise<Reply> {
  const lines = { ...headers } as Record<string, string | string[]>
  if (body !== undefined) lines['content-length'] = String(Buffer.byteLength(body))
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers: lines }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
      })
      response.on('end', () => {
        const received = new Headers()
        const raw = response.rawHeaders
        for (let i = 0; i + 1 < raw.length; i += 2) received.append(raw[i] ?? '', raw[i + 1] ?? '')
        resolve(replyOf(response.statusCode ?? 0, received, text))
      })
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(body)
  })
}

/** A response with its body parsed when it is JSON. */
function replyOf(status: number, headers: Headers, text: string): Reply {
  const json = /^application\/json\b/.test(headers.get('content-type') ?? '')
  return { status, headers, body: json ? JSON.parse(text) : text }
}

/** The claims of a compact JWT, unverified. */
export function claims(token: unknown): Record<string, unknown> {
  if (typeof token !== 'string') throw new TypeError(`not a token: ${String(token)}`)
  const [, payload = ''] = token.split('.')
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
}

/** Field `name` of a JSON object body, which must be a string (a token). */
export function field(reply: Reply, name: string): string {
  const value = (reply.body as Record<string, unknown> | null)?.[name]
  if (typeof value !== 'string') {
    throw new TypeError(`no string "${name}" in ${reply.status} ${JSON.stringify(reply.body)}`)
  }
  return value
}
