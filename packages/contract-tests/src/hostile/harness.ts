/**
 * The hostile corpus: requests an attacker would send, each run against the three demo apps and
 * the reference simplejwt 5.2.2 started with one profile. Every demo must answer exactly the
 * refusal a case states (status and body); the reference must answer the same, unless the case
 * names the README's deliberate difference that covers it, and then its own stated answer. After
 * each case every demo must still log alice in.
 */
import { createHmac, sign } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWithReference } from '../../../core/test/reference/index'
import { type Profile, signingKeyOf } from '../profiles'
import type { Reply } from '../shape'
import { FRAMEWORKS, Kit, type Servers, type Side, startServers } from '../sides'

export const TOKEN = '/api/token/'
export const REFRESH = '/api/token/refresh/'
export const VERIFY = '/api/token/verify/'
export const BLACKLIST = '/api/token/blacklist/'
export const SLIDING_REFRESH = '/api/token/sliding/refresh/'
export const PROTECTED = '/api/some-protected-view/'
export const ADMIN_ONLY = '/api/admin-only-view/'
export const STATELESS = '/api/stateless-view/'
export const REGISTER = '/api/register/'

export const ALICE = { username: 'alice', password: 'alice-password' }

/**
 * What a case expects: the status, and the body exactly (`body`), in part (`match`), or a body
 * parser's refusal (`parseError`: `{"detail": "JSON parse error - ..."}`, the rest being each
 * language's own parser's words, deliberate difference 10). `status` alone only for the
 * reference's 500s, whose body is Django's error page.
 */
export type Answer =
  | { readonly status: number; readonly body: unknown }
  | { readonly status: number; readonly match: Readonly<Record<string, unknown>> }
  | { readonly status: number; readonly parseError: true }
  | { readonly status: number }

/** The protected view's refusal of a token that is not a valid access token. */
export function invalidAccess(message = 'Token is invalid or expired'): Answer {
  return {
    status: 401,
    body: {
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
    },
  }
}

/** The token endpoints' refusal of a token. */
export function invalidToken(detail = 'Token is invalid or expired'): Answer {
  return { status: 401, body: { detail, code: 'token_not_valid' } }
}

/** The protected view's answer for user `id` called `username`. */
export function servesUser(id: number, username: string): Answer {
  return { status: 200, match: { user: { id, username } } }
}

export interface HostileCase {
  /** What is sent, and its source: an RFC 8725 section, a CVE, a peer's advisory. */
  readonly name: string
  /**
   * Sends the hostile request (after any set-up of its own) and answers its reply, or the replies
   * of several requests in order.
   */
  readonly send: (side: Side, kit: Kit) => Promise<Reply | readonly Reply[]>
  readonly expect: Answer | readonly Answer[]
  /**
   * Where simplejwt 5.2.2 answers otherwise: the README's deliberate difference (its number) and
   * what the reference answers.
   */
  readonly reference?: { readonly readme: number; readonly answer: Answer | readonly Answer[] }
}

/** The reply as an answer of the same kind as `expected`, for one comparison. */
function seen(reply: Reply, expected: Answer): Answer {
  if ('body' in expected) return { status: reply.status, body: reply.body }
  if ('parseError' in expected) {
    const detail = (reply.body as { detail?: unknown } | null)?.detail
    const parseError = typeof detail === 'string' && detail.startsWith('JSON parse error - ')
    return parseError
      ? { status: reply.status, parseError }
      : { status: reply.status, body: reply.body }
  }
  if (!('match' in expected)) return { status: reply.status }
  const body = reply.body as Record<string, unknown> | null
  if (typeof body !== 'object' || body === null) return { status: reply.status, body }
  return {
    status: reply.status,
    match: Object.fromEntries(Object.keys(expected.match).map((key) => [key, body[key]])),
  }
}

function expectAnswers(
  replies: Reply | readonly Reply[],
  expected: Answer | readonly Answer[],
  side: string,
): void {
  const all = (Array.isArray(replies) ? replies : [replies]) as readonly Reply[]
  if (process.env['HOSTILE_PRINT']) {
    const text = all.map((r) => `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
    console.log(`@@ ${side}: ${text.join(' | ')}`)
  }
  const wanted = (Array.isArray(expected) ? expected : [expected]) as readonly Answer[]
  expect.soft(all.length, `${side}: replies`).toBe(wanted.length)
  wanted.forEach((answer, i) => {
    const reply = all[i]
    if (reply === undefined) return
    const got = seen(reply, answer)
    const label = `${side}, reply ${i + 1}`
    if ('match' in answer && 'match' in got) {
      expect.soft({ side: label, status: got.status, ...got.match }).toMatchObject({
        side: label,
        status: answer.status,
        ...answer.match,
      })
    } else {
      expect.soft({ side: label, ...got }).toEqual({ side: label, ...answer })
    }
  })
}

/**
 * Starts the reference and the three demos once with `profile` and runs the cases in order, each
 * against the four, one after the other; `more` adds tests of its own on the same servers.
 */
export function describeHostile(
  title: string,
  profile: Profile,
  cases: readonly HostileCase[],
  more?: (servers: () => Servers) => void,
): void {
  describeWithReference(title, () => {
    let servers: Servers | undefined
    beforeAll(async () => {
      servers = await startServers(profile)
    })
    afterAll(async () => {
      await servers?.close()
    })
    const running = (): Servers => {
      if (servers === undefined) throw new Error('the servers did not start')
      return servers
    }
    const kit = new Kit(profile, () => running().reference)

    for (const hostile of cases) {
      it(hostile.name, async () => {
        const { reference, demos, processes } = running()
        const expectedOfReference = hostile.reference?.answer ?? hostile.expect
        expectAnswers(await hostile.send(reference, kit), expectedOfReference, 'reference')
        for (const framework of FRAMEWORKS) {
          const demo = demos[framework]
          expectAnswers(await hostile.send(demo, kit), hostile.expect, framework)
          const login = await demo.post(TOKEN, { json: ALICE })
          expect(
            login.status,
            `${framework} logs in afterwards:\n${processes[framework].output()}`,
          ).toBe(200)
        }
      })
    }
    more?.(running)
  })
}

/** base64url of text or bytes. */
export function b64u(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url')
}

/**
 * A compact JWS of these exact header and payload texts (duplicate members and all), signed with
 * the profile's algorithm and key, or with `key` instead.
 */
export function signText(profile: Profile, header: string, payload: string, key?: string): string {
  const input = `${b64u(header)}.${b64u(payload)}`
  return `${input}.${signature(profile, input, key)}`
}

/** The signature of `input` (base64url) with the profile's algorithm and key, or `key`. */
export function signature(profile: Profile, input: string, key?: string): string {
  const algorithm = String(profile.settings['ALGORITHM'] ?? 'HS256')
  const hash = `sha${algorithm.slice(2)}`
  const secret = key ?? signingKeyOf(profile)
  const bytes = algorithm.startsWith('HS')
    ? createHmac(hash, secret).update(input).digest()
    : sign(hash, Buffer.from(input), { key: secret, dsaEncoding: 'ieee-p1363' })
  return b64u(bytes)
}

/** The claims of an access token for `userId`, as JSON text with `extra` members appended. */
export function accessJson(kit: Kit, userId: unknown, extra = ''): string {
  const json = JSON.stringify(kit.claims('access', userId))
  return extra === '' ? json : `${json.slice(0, -1)},${extra}}`
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** GET of the protected view (or `path`) with `token`. */
export function view(side: Side, token: string, path = PROTECTED): Promise<Reply> {
  return side.get(path, bearer(token))
}

export { describe }
