import { type Message, message } from '../errors'

/** Django's DATA_UPLOAD_MAX_MEMORY_SIZE: larger bodies are refused unread. */
export const MAX_BODY_BYTES = 2_621_440

export type ParsedBody =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly detail: Message }

// ignoreBOM keeps a byte order mark in the text, so JSON.parse refuses it as Python's json.loads
// does (DRF's 400); by default TextDecoder would drop it silently.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Reads a body stream whole, keeping bytes only up to just past MAX_BODY_BYTES: enough for
 * `parseBody` to answer 413, without holding a huge body in memory. The rest is read and dropped,
 * so the client still gets its answer.
 */
export async function readBody(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of stream) {
    if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    size += chunk.length
  }
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.length
  }
  return body
}

/**
 * Parses a request body as Django REST framework's default parsers do: JSON, form-urlencoded and
 * multipart; no body (or no content type) is an empty form; other media types are a 415.
 * Repeated form fields keep their last value, as Django's QueryDict does.
 */
export async function parseBody(
  contentType: string | null,
  raw: Uint8Array | string | null,
): Promise<ParsedBody> {
  const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw
  if (bytes !== null && bytes.length > MAX_BODY_BYTES) {
    return {
      ok: false,
      status: 413,
      detail: message('Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.'),
    }
  }
  if (bytes === null || bytes.length === 0 || !contentType) return { ok: true, body: {} }
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  if (mediaType === 'application/json') {
    try {
      return { ok: true, body: JSON.parse(utf8.decode(bytes)) }
    } catch (error) {
      return {
        ok: false,
        status: 400,
        detail: message('JSON parse error - {detail}', (error as Error).message),
      }
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'multipart/form-data') {
    try {
      const form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': contentType },
      }).formData()
      const fields: Record<string, string> = {}
      for (const [key, value] of form) if (typeof value === 'string') fields[key] = value
      return { ok: true, body: fields }
    } catch {
      return { ok: false, status: 400, detail: message('Malformed request.') }
    }
  }
  return {
    ok: false,
    status: 415,
    detail: message('Unsupported media type "{media_type}" in request.', contentType),
  }
}
