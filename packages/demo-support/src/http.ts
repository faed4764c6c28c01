import {
  type CoreResponse,
  type HeaderInput,
  MAX_BODY_BYTES,
  negotiateLanguage,
} from '@simplejwt/core'

/** A request body as the frameworks hand it over: bytes, a Node stream, or none. */
export type RawBody = Uint8Array | AsyncIterable<Uint8Array> | null

/** The value of a request header (`name` in lower case), repeated values joined; null when absent. */
export function header(headers: HeaderInput, name: string): string | null {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name)
  }
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name]
  if (value === undefined) return null
  return typeof value === 'string' ? value : value.join(',')
}

/**
 * A JSON response of the app's own views, with the `Content-Language` and `Vary` that Django's
 * LocaleMiddleware adds to every response (the core's responses carry them too).
 */
export function respond(headers: HeaderInput, status: number, body: unknown): CoreResponse {
  const language = negotiateLanguage(header(headers, 'accept-language'))
  return { status, headers: { 'content-language': language, vary: 'Accept-Language' }, body }
}

/** The whole body, keeping chunks only up to the limit: `parseBody` answers 413 past it. */
export async function readBody(body: RawBody): Promise<Uint8Array | null> {
  if (body === null || body instanceof Uint8Array) return body
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    size += chunk.length
  }
  return Buffer.concat(chunks)
}
