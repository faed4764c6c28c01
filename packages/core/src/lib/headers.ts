/** Request headers: a Fetch `Headers` object or a plain map as Node and most frameworks give. */
export type HeaderInput =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Headers read from a list of names and values in turn, as Node's `rawHeaders`. A header sent
 * more than once is joined by commas, as Django's servers (runserver, gunicorn) join it: so an
 * `Authorization` header sent twice is refused as simplejwt refuses it, where Node's `headers`
 * map keeps only the first `Authorization`. `Content-Type` and `Content-Length` are the first
 * sent, as in Django's runserver (they are CGI's `CONTENT_TYPE` and `CONTENT_LENGTH`, not joined).
 */
export class RawHeaders {
  readonly #list: readonly string[]

  constructor(list: readonly string[]) {
    this.#list = list
  }

  /** The value of header `name` (any case), repeats joined by commas; null when absent. */
  get(name: string): string | null {
    const wanted = name.toLowerCase()
    const first = wanted === 'content-type' || wanted === 'content-length'
    const list = this.#list
    let value: string | null = null
    for (let i = 0; i + 1 < list.length; i += 2) {
      const key = list[i] as string
      if (key.length !== wanted.length || key.toLowerCase() !== wanted) continue
      if (first) return list[i + 1] as string
      value = value === null ? (list[i + 1] as string) : `${value},${list[i + 1]}`
    }
    return value
  }
}

/**
 * The headers of a Node request (`IncomingMessage`, `Http2ServerRequest`) for the core: its raw
 * list (see {@link RawHeaders}), or its `headers` map when it has none (a mock request).
 */
export function nodeHeaders(request: {
  readonly rawHeaders?: readonly string[] | undefined
  readonly headers: HeaderInput
}): HeaderInput {
  return Array.isArray(request.rawHeaders) ? new RawHeaders(request.rawHeaders) : request.headers
}

/** The value of header `name` (lower case), repeated headers joined by commas; null when absent. */
export function headerValue(headers: HeaderInput, name: string): string | null {
  if (typeof headers.get === 'function')
    return (headers as { get(name: string): string | null }).get(name)
  const map = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  let value = map[name]
  if (value === undefined) {
    const key = Object.keys(map).find((k) => k.toLowerCase() === name)
    value = key === undefined ? undefined : map[key]
  }
  if (value === undefined) return null
  return typeof value === 'string' ? value : value.join(',')
}

/** The header split on ASCII whitespace, as Python's `bytes.split()`; null without a header. */
export function authorizationParts(value: string | null): string[] | null {
  if (value === null) return null
  // The usual `Bearer <token>`: one space between two words, no other whitespace (each check a
  // native scan, cheaper than a regular expression over the whole header).
  const space = value.indexOf(' ')
  if (
    space > 0 &&
    space < value.length - 1 &&
    value.indexOf(' ', space + 1) === -1 &&
    !hasOtherWhitespace(value)
  ) {
    return [value.slice(0, space), value.slice(space + 1)]
  }
  return value.split(/[ \t\n\r\v\f]+/).filter((part) => part !== '')
}

function hasOtherWhitespace(value: string): boolean {
  return (
    value.includes('\t') ||
    value.includes('\n') ||
    value.includes('\r') ||
    value.includes('\v') ||
    value.includes('\f')
  )
}
