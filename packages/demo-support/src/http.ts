import { type CoreResponse, type HeaderInput, negotiateLanguage } from '@simplejwt/core'
import { readBody as readStream } from '@simplejwt/core/adapter'

/** A request body as the frameworks hand it over: bytes, a Node or a web stream, or none. */
export type RawBody = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null

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

/** The whole body (up to just past the size `parseBody` answers 413 for), or null for none. */
export async function readBody(body: RawBody): Promise<Uint8Array | null> {
  if (body === null || body instanceof Uint8Array) return body
  return readStream(body instanceof ReadableStream ? chunksOf(body) : body)
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value
}
