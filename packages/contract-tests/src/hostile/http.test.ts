/**
 * Hostile HTTP on the default profile: request smuggling, a slow client, huge and many headers.
 * What Node's HTTP parser refuses never reaches the app: its answer is Node's bare status line,
 * as Django's own servers answer such requests with theirs.
 */
import { connect } from 'node:net'
import { SERVER_TIMEOUTS } from '@simplejwt/demo-support'
import { expect, it } from 'vitest'
import { DEFAULT } from '../profiles'
import type { Reply } from '../shape'
import { FRAMEWORKS, type Side } from '../sides'
import {
  ALICE,
  describeHostile,
  type HostileCase,
  invalidAccess,
  PROTECTED,
  TOKEN,
} from './harness'

interface Exchange {
  /** Everything the server sent, as latin1 text. */
  readonly text: string
  /** Whether the server closed the connection (rather than the wait running out). */
  readonly closed: boolean
  readonly ms: number
}

/** Sends `request` as it is on a new connection and collects the answer until close or `waitMs`. */
function exchange(side: Side, request: string, waitMs = 3_000): Promise<Exchange> {
  const { hostname, port } = new URL(side.url)
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let text = ''
    const done = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closed, ms: Date.now() - started })
    }
    const timer = setTimeout(() => done(false), waitMs)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    socket.once('close', () => done(true))
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.write(request, 'latin1')
  })
}

/** The status lines of every response in `text`. */
function statusLines(text: string): string[] {
  return text.match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) ?? []
}

/** A reply made of what a raw exchange got: the status of its only response; its lines as body. */
function asReply(result: Exchange): Reply {
  const lines = statusLines(result.text)
  const status = Number(lines[0]?.split(' ')[1] ?? 0)
  return {
    status,
    headers: new Headers(),
    body: { responses: lines.length, closed: result.closed },
  }
}

const SMUGGLED = 'GET /api/admin-only-view/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'

/** 10,000 Accept-Language entries (about 120 kB, past every server's header limit). */
const HUGE_ACCEPT_LANGUAGE = Array.from({ length: 10_000 }, (_, i) => `x${i % 100}-y;q=0.5`).join(
  ', ',
)

/** 1,000 entries (about 12 kB, within Node's 16 kB of headers), Korean last. */
const LONG_ACCEPT_LANGUAGE = `${Array.from({ length: 1_000 }, (_, i) => `x${i % 100}-y;q=0.5`).join(', ')}, ko`

const CASES: HostileCase[] = [
  {
    name: 'RFC 9112 §6.1 / CVE-2022-32213 (llhttp smuggling): Content-Length and Transfer-Encoding both, a request hidden after the chunked end',
    send: async (side) =>
      asReply(
        await exchange(
          side,
          'POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
            `Content-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding: chunked\r\n\r\n` +
            `0\r\n\r\n${SMUGGLED}`,
        ),
      ),
    // One refusal and the connection closed: the hidden request is never answered.
    expect: { status: 400, body: { responses: 1, closed: true } },
    // Django's development server ignores Transfer-Encoding, reads the Content-Length body as the
    // (malformed) JSON body, answers that and keeps the connection: it smuggles nothing either.
    reference: {
      readme: 18,
      answer: { status: 400, body: { responses: 1, closed: false } },
    },
  },
  {
    name: 'RFC 9112 §6.3 / CVE-2023-30589 (llhttp): a bare LF inside the chunked framing',
    send: async (side) =>
      asReply(
        await exchange(
          side,
          'POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
            `Transfer-Encoding: chunked\r\n\r\n2\n{}\r\n0\r\n\r\n${SMUGGLED}`,
        ),
      ),
    expect: { status: 400, body: { responses: 1, closed: true } },
  },
  {
    name: 'RFC 9110 §5.4 (header limits): 10,000 Accept-Language entries',
    send: (side) => side.post(TOKEN, { json: ALICE }, { 'accept-language': HUGE_ACCEPT_LANGUAGE }),
    // Node's bare refusal; Python's server writes an HTML page with the same status.
    expect: { status: 431, body: '' },
    reference: { readme: 18, answer: { status: 431 } },
  },
  {
    name: 'CVE-2023-23969 (Django: Accept-Language denial of service): 1,000 entries, Korean last',
    send: (side) =>
      side.get(PROTECTED, {
        authorization: 'Bearer x.y.z',
        'accept-language': LONG_ACCEPT_LANGUAGE,
      }),
    // Answered at once, in English: "ko" is past the first 500 characters, which are all that
    // Django reads since CVE-2023-23969, and all that the core reads.
    expect: invalidAccess(),
  },
  {
    name: '200 request headers besides the Authorization header',
    send: async (side) => {
      const login = await side.post(TOKEN, { json: ALICE })
      const access = (login.body as { access: string }).access
      const headers: Record<string, string> = {}
      for (let i = 0; i < 200; i++) headers[`x-hostile-${i}`] = `value-${i}`
      return side.get(PROTECTED, { ...headers, authorization: `Bearer ${access}` })
    },
    expect: { status: 200, match: { user: { id: 1, username: 'alice' } } },
    // Python's http.server (Django's development server) refuses more than 100 headers; Node
    // reads up to 2,000.
    reference: { readme: 18, answer: { status: 431 } },
  },
]

describeHostile('hostile HTTP', DEFAULT, CASES, (servers) => {
  it(`slow-loris: a client trickling its headers is answered 408 and dropped within the headers timeout (${SERVER_TIMEOUTS.headersTimeout / 1000} s), others served meanwhile`, async () => {
    const { demos } = servers()
    const timeoutMs = SERVER_TIMEOUTS.headersTimeout
    await Promise.all(
      FRAMEWORKS.map(async (framework) => {
        const demo = demos[framework]
        const { hostname, port } = new URL(demo.url)
        const socket = connect(Number(port), hostname)
        let text = ''
        socket.setEncoding('latin1').on('data', (chunk: string) => {
          text += chunk
        })
        const started = Date.now()
        const closed = new Promise<number>((resolve) =>
          socket.once('close', () => resolve(Date.now() - started)),
        )
        socket.write('POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n')
        // One header line a second: each keeps the connection busy, none completes the request.
        let n = 0
        const trickle = setInterval(() => {
          if (!socket.destroyed) socket.write(`X-Slow-${n++}: a\r\n`)
        }, 1_000)
        try {
          // Served meanwhile, and promptly.
          const before = Date.now()
          const login = await demo.post(TOKEN, { json: ALICE })
          expect({ framework, status: login.status }).toEqual({ framework, status: 200 })
          expect(Date.now() - before, `${framework}: a login beside the slow client`).toBeLessThan(
            3_000,
          )
          const ms = await Promise.race([
            closed,
            new Promise<number>((resolve) => setTimeout(() => resolve(-1), timeoutMs + 5_000)),
          ])
          expect({ framework, closedAfterMs: ms >= timeoutMs && ms < timeoutMs + 3_000 }).toEqual({
            framework,
            closedAfterMs: true,
          })
          expect(statusLines(text), framework).toEqual(['HTTP/1.1 408 Request Timeout'])
        } finally {
          clearInterval(trickle)
          socket.destroy()
        }
      }),
    )
  }, 30_000)
})
