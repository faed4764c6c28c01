/**
 * Responses rendered for comparison: everything that must be equal is kept as it is, in order;
 * what differs from run to run (a token's bytes, a jti, a clock reading) is replaced by its shape.
 */

/** A response as the tests see it: the body parsed when it is JSON, else its text. */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

/** One request of a case and its response. */
export interface Step {
  /** What was asked, e.g. `POST /api/token/ (wrong password)`. */
  readonly label: string
  readonly reply: Reply
  /**
   * `exact`: compared as it is (a token both sides read). `shape` (the default): tokens, jti
   * values and clock readings by their shape. `parse-error`: a body parser's message, compared up to
   * `JSON parse error - ` (the rest is each language's own parser: deliberate difference 10).
   */
  readonly compare?: 'shape' | 'exact' | 'parse-error'
}

/** A rendered step: the text to compare, and the clock readings it replaced, in order. */
export interface Rendered {
  readonly text: string
  readonly times: readonly number[]
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const JTI = /^[0-9a-f]{32}$/
/** Seconds since the epoch within 30 days of now are clock readings (`exp`, `iat`, `refresh_exp`, ...). */
const CLOCK_WINDOW_S = 30 * 86_400

/** The lines compared for one step: status, the headers of the contract, the body. */
export function render(step: Step, now = Date.now() / 1000): Rendered {
  const { reply } = step
  const times: number[] = []
  const mode = step.compare ?? 'shape'
  let body = mode === 'exact' ? reply.body : shape(reply.body, times, now)
  if (mode === 'parse-error') body = parseErrorPrefix(body)
  const header = (name: string) => reply.headers.get(name) ?? '-'
  const text = [
    step.label,
    `  status: ${reply.status}`,
    `  content-type: ${header('content-type').split(';')[0]}`,
    `  content-language: ${header('content-language')}`,
    `  www-authenticate: ${header('www-authenticate')}`,
    indent(JSON.stringify(body, null, 2)),
  ].join('\n')
  return { text, times }
}

/**
 * `value` with tokens replaced by `{"<token>": {header, payload}}` (decoded, themselves shaped),
 * jti values by `<jti>` and clock readings by `<time>` (pushed onto `times`). Key order is kept.
 */
export function shape(value: unknown, times: number[], now = Date.now() / 1000): unknown {
  if (typeof value === 'string') {
    if (JTI.test(value)) return '<jti>'
    if (JWT.test(value)) {
      const [header, payload] = value.split('.').map(decodeSegment)
      if (header === undefined || payload === undefined) return '<undecodable token>'
      return { '<token>': { header: shape(header, times, now), payload: shape(payload, times, now) } }
    }
    return value
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value - now) < CLOCK_WINDOW_S) {
      times.push(value)
      return '<time>'
    }
    return value
  }
  if (Array.isArray(value)) return value.map((item) => shape(item, times, now))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shape(item, times, now)]),
    )
  }
  return value
}

/** A decoded JWT segment (a JSON object), or undefined. */
function decodeSegment(segment: string): unknown {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null ? value : undefined
  } catch {
    return undefined
  }
}

/** `{"detail": "JSON parse error - <parser's words>"}` → `{"detail": "JSON parse error - …"}`. */
function parseErrorPrefix(body: unknown): unknown {
  const detail = (body as { detail?: unknown } | null)?.detail
  if (typeof detail !== 'string') return body
  const cut = detail.indexOf(' - ')
  return { ...(body as object), detail: cut < 0 ? detail : `${detail.slice(0, cut + 3)}…` }
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ')
}

/**
 * Where the clock readings of the two sides disagree: each reading may be `absoluteS` seconds off
 * (both sides run on the real clock, a few seconds apart), and its distance from the first reading
 * of the same response `relativeS` seconds (a second boundary crossed between two tokens of one
 * response). A wrong lifetime is off by more. Returns readable lines, none when they agree.
 */
export function clockMismatches(
  demo: readonly number[],
  reference: readonly number[],
  { absoluteS, relativeS }: { absoluteS: number; relativeS: number },
): string[] {
  const problems: string[] = []
  const [demoFirst = 0] = demo
  const [referenceFirst = 0] = reference
  demo.forEach((value, i) => {
    const other = reference[i]
    if (other === undefined) {
      problems.push(`clock reading #${i + 1}: ${value} on the demo, none on the reference`)
    } else if (Math.abs(value - other) > absoluteS) {
      problems.push(`clock reading #${i + 1}: ${value} on the demo, ${other} on the reference`)
    } else if (Math.abs(value - demoFirst - (other - referenceFirst)) > relativeS) {
      problems.push(
        `clock reading #${i + 1}: first reading + ${value - demoFirst} s on the demo, ` +
          `+ ${other - referenceFirst} s on the reference`,
      )
    }
  })
  return problems
}
