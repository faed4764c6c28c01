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

/** The clock readings a rendering replaced, in order, and the lifetimes it saw. */
export interface Clocks {
  readonly times: number[]
  /** `exp - iat` of every object (a token's payload) that has both, in order. */
  readonly lifetimes: number[]
}

/** A rendered step: the text to compare, and its clocks. */
export interface Rendered {
  readonly text: string
  readonly clocks: Clocks
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const JTI = /^[0-9a-f]{32}$/
/** Seconds since the epoch within 30 days of now are clock readings (`exp`, `iat`, `refresh_exp`, ...). */
const CLOCK_WINDOW_S = 30 * 86_400

/** The lines compared for one step: status, the headers of the contract, the body. */
export function render(step: Step, now = Date.now() / 1000): Rendered {
  const { reply } = step
  const clocks: Clocks = { times: [], lifetimes: [] }
  const mode = step.compare ?? 'shape'
  let body = mode === 'exact' ? reply.body : shape(reply.body, clocks, now)
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
  return { text, clocks }
}

/**
 * `value` with tokens replaced by `{"<token>": {header, payload}}` (decoded, themselves shaped),
 * jti values by `<jti>` and clock readings by `<time>` (pushed onto `clocks`). Key order is kept.
 */
export function shape(value: unknown, clocks: Clocks, now = Date.now() / 1000): unknown {
  if (typeof value === 'string') {
    if (JTI.test(value)) return '<jti>'
    if (JWT.test(value)) {
      const [header, payload] = value.split('.').map(decodeSegment)
      if (header === undefined || payload === undefined) return '<undecodable token>'
      return {
        '<token>': { header: shape(header, clocks, now), payload: shape(payload, clocks, now) },
      }
    }
    return value
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value - now) < CLOCK_WINDOW_S) {
      clocks.times.push(value)
      return '<time>'
    }
    return value
  }
  if (Array.isArray(value)) return value.map((item) => shape(item, clocks, now))
  if (typeof value === 'object' && value !== null) {
    const { exp, iat } = value as { exp?: unknown; iat?: unknown }
    if (typeof exp === 'number' && typeof iat === 'number') clocks.lifetimes.push(exp - iat)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shape(item, clocks, now)]),
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
 * Where the clocks of the two sides disagree: each reading may be `absoluteS` seconds off (both
 * sides run on the real clock, a few seconds apart at most), and each lifetime (`exp - iat`)
 * `lifetimeS` seconds (a second boundary crossed between a refresh token and the access token made
 * from it). A wrong lifetime is off by more. Returns readable lines, none when they agree.
 */
export function clockMismatches(
  demo: Clocks,
  reference: Clocks,
  { absoluteS, lifetimeS }: { absoluteS: number; lifetimeS: number },
): string[] {
  const problems: string[] = []
  const compare = (kind: string, ours: number[], theirs: number[], tolerance: number) => {
    ours.forEach((value, i) => {
      const other = theirs[i]
      if (other === undefined || Math.abs(value - other) > tolerance) {
        problems.push(
          `${kind} #${i + 1}: ${value} on the demo, ${other ?? 'none'} on the reference`,
        )
      }
    })
  }
  compare('clock reading', demo.times, reference.times, absoluteS)
  compare('lifetime (exp - iat)', demo.lifetimes, reference.lifetimes, lifetimeS)
  return problems
}
