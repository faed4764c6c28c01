import { describe, expect, it } from 'vitest'
import { clockMismatches, render, type Step, shape } from './shape'

const NOW = 1_800_000_000
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const token = (payload: Record<string, unknown>) =>
  `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}.c2lnbmF0dXJl`

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Step['reply'] {
  return { status, body, headers: new Headers({ 'content-type': 'application/json', ...headers }) }
}

describe('shape', () => {
  it('replaces tokens by their decoded parts, jti values and clock readings by their shape', () => {
    const clocks = { times: [], lifetimes: [] }
    const payload = {
      token_type: 'access',
      exp: NOW + 300,
      iat: NOW,
      jti: 'a'.repeat(32),
      user_id: 1,
    }
    expect(shape({ access: token(payload), user: { id: 1 } }, clocks, NOW)).toEqual({
      access: {
        '<token>': {
          header: { alg: 'HS256', typ: 'JWT' },
          payload: { token_type: 'access', exp: '<time>', iat: '<time>', jti: '<jti>', user_id: 1 },
        },
      },
      user: { id: 1 },
    })
    expect(clocks).toEqual({ times: [NOW + 300, NOW], lifetimes: [300] })
  })

  it('keeps the order of keys, so that a different order shows', () => {
    const step = (body: unknown): Step => ({ label: 'POST /api/token/', reply: reply(200, body) })
    const a = render(step({ refresh: 'x', access: 'y' }), NOW).text
    const b = render(step({ access: 'y', refresh: 'x' }), NOW).text
    expect(a).not.toBe(b)
  })

  it('compares a parse error up to the parser words', () => {
    const step = (detail: string): Step => ({
      label: 'POST /api/token/',
      reply: reply(400, { detail }),
      compare: 'parse-error',
    })
    const python = render(step('JSON parse error - Expecting value: line 1 column 14 (char 13)'))
    const javascript = render(step('JSON parse error - Unexpected end of JSON input'))
    expect(python.text).toBe(javascript.text)
    expect(python.text).toContain('"JSON parse error - …"')
  })

  it('renders the headers of the contract', () => {
    const text = render(
      {
        label: 'GET /api/some-protected-view/',
        reply: reply(
          401,
          {},
          { 'www-authenticate': 'Bearer realm="api"', 'content-language': 'ko' },
        ),
      },
      NOW,
    ).text
    expect(text).toContain('www-authenticate: Bearer realm="api"')
    expect(text).toContain('content-language: ko')
  })
})

describe('clockMismatches', () => {
  const tolerance = { absoluteS: 10, lifetimeS: 1 }

  it('tolerates seconds between the sides, and a second on a lifetime', () => {
    const reference = { times: [NOW + 300, NOW], lifetimes: [300] }
    expect(
      clockMismatches({ times: [NOW + 303, NOW + 4], lifetimes: [299] }, reference, tolerance),
    ).toEqual([])
  })

  it('finds a lifetime that is not the same', () => {
    const reference = { times: [NOW + 300, NOW], lifetimes: [300] }
    expect(
      clockMismatches({ times: [NOW + 305, NOW], lifetimes: [305] }, reference, tolerance),
    ).toEqual(['lifetime (exp - iat) #1: 305 on the demo, 300 on the reference'])
  })
})
