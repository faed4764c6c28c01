import { createHmac } from 'node:crypto'
import { CompactSign, compactVerify, errors } from 'jose'
import { describe, expect, it } from 'vitest'
import * as nodeCrypto from './crypto-node'
import * as webCrypto from './crypto-web'
import { type CryptoRuntime, compactSigner, compactVerifier } from './jws'
import type { Algorithm } from './keys'

type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'

/** The runtime's verifier of an HMAC key, which every runtime has. */
function hmacVerifier(key: CryptoKey, algorithm: Algorithm, runtime: CryptoRuntime) {
  const verify = compactVerifier(key, algorithm, runtime)
  if (verify === undefined) throw new Error(`no ${algorithm} verifier`)
  return verify
}

function hmacSigner(
  key: CryptoKey,
  algorithm: Algorithm,
  header: Record<string, string>,
  runtime: CryptoRuntime,
) {
  const sign = compactSigner(key, algorithm, header, runtime)
  if (sign === undefined) throw new Error(`no ${algorithm} signer`)
  return sign
}

const SECRET = 'simplejwt-jws-test-secret-of-32+bytes!'
const encoder = new TextEncoder()
const b64url = (data: string | Uint8Array) => Buffer.from(data).toString('base64url')

const key = (algorithm: HmacAlgorithm) =>
  crypto.subtle.importKey(
    'raw',
    encoder.encode(SECRET),
    { name: 'HMAC', hash: `SHA-${algorithm.slice(2)}` },
    false,
    ['sign', 'verify'],
  )

/** `header.payload.mac` with the segments as given (already encoded), signed with SECRET. */
function sign(header: string, payload: string, hash = 'sha256'): string {
  const input = `${header}.${payload}`
  return `${input}.${createHmac(hash, SECRET).update(input).digest('base64url')}`
}

const json = (value: unknown) => b64url(JSON.stringify(value))
const PAYLOAD = json({ exp: 2_000_000_000, user_id: 1, name: 'é' })
const HEADER = json({ alg: 'HS256', typ: 'JWT' })
const GOOD = sign(HEADER, PAYLOAD)

/** What a verification comes to: the payload, a refused algorithm, or any other refusal. */
type Verdict = string

async function verdict(run: () => unknown): Promise<Verdict> {
  try {
    const result = (await run()) as {
      payload: Uint8Array
      protectedHeader: { b64?: unknown }
    }
    // The backend refuses `b64: false` after jose accepted it: both are a refusal.
    if (result.protectedHeader.b64 === false) return 'invalid'
    return `payload ${b64url(result.payload)}`
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed'
    return 'invalid'
  }
}

/** Headers jose reads in every way it can: crit, b64 and alg in all their shapes. */
const HEADERS: readonly string[] = [
  HEADER,
  json({ alg: 'HS256' }),
  json({ typ: 'JWT', alg: 'HS256', kid: 'k' }),
  json({ alg: 'HS384', typ: 'JWT' }),
  json({ alg: 'RS256' }),
  json({ alg: 'none' }),
  json({ alg: 'hs256' }),
  json({ alg: '' }),
  json({ alg: 256 }),
  json({ alg: null }),
  json({ alg: ['HS256'] }),
  json({ typ: 'JWT' }),
  json({}),
  json({ alg: 'HS256', crit: ['b64'], b64: true }),
  json({ alg: 'HS256', crit: ['b64'], b64: false }),
  json({ alg: 'HS256', crit: ['b64', 'b64'], b64: true }),
  json({ alg: 'HS256', crit: ['b64'] }),
  json({ alg: 'HS256', crit: ['b64'], b64: 'true' }),
  json({ alg: 'HS256', crit: ['b64'], b64: null }),
  json({ alg: 'HS256', crit: ['exp'], exp: 1 }),
  json({ alg: 'HS256', crit: ['b64', 'exp'], b64: true, exp: 1 }),
  json({ alg: 'HS256', crit: [] }),
  json({ alg: 'HS256', crit: [''] }),
  json({ alg: 'HS256', crit: [1] }),
  json({ alg: 'HS256', crit: 'b64', b64: true }),
  json({ alg: 'HS256', crit: null }),
  json({ alg: 'HS512', crit: ['nope'] }),
  json({ alg: 'RS256', crit: ['b64'], b64: 1 }),
  json({ alg: 'HS256', b64: false }),
  json({ alg: 'HS256', b64: true }),
  b64url('{"alg":"HS256","__proto__":{"alg":"none"}}'),
  b64url('{"__proto__":{"alg":"HS256"}}'),
  b64url('{"alg":"HS256","alg":"RS256"}'),
  b64url('{"alg":"RS256","alg":"HS256"}'),
  json(['HS256']),
  json('HS256'),
  json(null),
  json(1),
  b64url('{"alg":"HS256"'),
  b64url(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
  b64url(`\uFEFF${JSON.stringify({ alg: 'HS256' })}`),
  b64url(` ${JSON.stringify({ alg: 'HS256' })} `),
  '',
  '!!!',
  `${HEADER}=`,
  `${HEADER}A`,
  HEADER.replaceAll('J', '+'),
]

/** Ways to write a segment that base64url decoders disagree on. */
function spellings(segment: string): string[] {
  const padded = segment + '='.repeat((4 - (segment.length % 4)) % 4)
  return [
    segment,
    padded,
    `${padded}=`,
    `${segment}=`,
    `${segment}==`,
    `${segment}===`,
    `${segment}A`,
    `${segment}AA`,
    segment.slice(0, -1),
    segment.replaceAll('-', '+').replaceAll('_', '/'),
    `${segment.slice(0, -1)}${segment.at(-1) === 'A' ? 'B' : 'A'}`,
    `=${segment}`,
    `${segment.slice(0, 4)}=${segment.slice(4)}`,
    `${segment}%`,
    `${segment}é`,
  ]
}

function corpus(): string[] {
  const [header = '', payload = '', signature = ''] = GOOD.split('.')
  const tokens = new Set<string>([
    GOOD,
    ...HEADERS.map((h) => sign(h, PAYLOAD)),
    ...HEADERS.map((h) => `${h}.${PAYLOAD}.${signature}`),
    ...spellings(header).map((h) => sign(h, payload)),
    ...spellings(payload).map((p) => sign(header, p)),
    ...spellings(signature).map((s) => `${header}.${payload}.${s}`),
    sign(header, ''),
    sign(header, b64url('not json')),
    sign(header, b64url(new Uint8Array([0xff, 0xfe]))),
    sign(header, PAYLOAD, 'sha384'),
    `${header}.${payload}`,
    `${header}.${payload}.`,
    `${GOOD}.`,
    `${header}..${signature}`,
    `.${payload}.${signature}`,
    '..',
    '',
    'a.b.c',
    `${header}.${payload}.${signature.slice(0, 42)}`,
    `${header}.${payload}.${b64url(new Uint8Array(64))}`,
    `${header}.${JSON.stringify({ exp: 1 })}.${signature}`,
    sign(json({ alg: 'HS256', crit: ['b64'], b64: false }), JSON.stringify({ exp: 1 })),
  ])
  // Every character of the good token replaced, in turn, by characters decoders treat differently.
  let seed = 7
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  const alphabet = 'AQgw-_+/=.!\u00e9 '
  for (let i = 0; i < 400; i++) {
    const at = Math.floor(random() * GOOD.length)
    const char = alphabet[Math.floor(random() * alphabet.length)] as string
    tokens.add(`${GOOD.slice(0, at)}${char}${GOOD.slice(at + 1)}`)
  }
  return [...tokens]
}

// The backend refuses any token with whitespace before verifying it, so only tokens without reach
// the verifier (jose's decoding skips whitespace, the node:crypto path's does not).
const TOKENS = corpus().filter((token) => !/\s/.test(token))

describe.each([
  ['node:crypto (crypto-node)', nodeCrypto],
  ['Web Crypto (crypto-web)', webCrypto],
] as [string, CryptoRuntime][])('compactVerifier (HMAC) on %s', (_, runtime) => {
  it(`agrees with jose's compactVerify on ${TOKENS.length} good, bad and odd tokens`, async () => {
    const secret = await key('HS256')
    const verify = hmacVerifier(secret, 'HS256', runtime)
    const disagreements: string[] = []
    for (const token of TOKENS) {
      const expected = await verdict(() => compactVerify(token, secret, { algorithms: ['HS256'] }))
      const actual = await verdict(() => verify(token))
      if (actual !== expected) disagreements.push(`${token}: jose ${expected}, ours ${actual}`)
    }
    expect(disagreements).toEqual([])
    expect(await verdict(() => verify(GOOD))).toBe(`payload ${PAYLOAD}`)
  })

  it('agrees again when the same header comes back (the last accepted header is remembered)', async () => {
    const secret = await key('HS256')
    const verify = hmacVerifier(secret, 'HS256', runtime)
    for (const token of [...TOKENS, ...TOKENS.slice().reverse()]) {
      const expected = await verdict(() => compactVerify(token, secret, { algorithms: ['HS256'] }))
      expect(await verdict(() => verify(token))).toBe(expected)
    }
  })

  it.each(['HS384', 'HS512'] as const)(
    'verifies %s and refuses the other HMAC algorithms',
    async (algorithm) => {
      const secret = await key(algorithm)
      const verify = hmacVerifier(secret, algorithm, runtime)
      const hash = `sha${algorithm.slice(2)}`
      const token = sign(json({ alg: algorithm, typ: 'JWT' }), PAYLOAD, hash)
      expect(await verdict(() => verify(token))).toBe(`payload ${PAYLOAD}`)
      expect(await verdict(() => verify(GOOD))).toBe('algorithm not allowed')
      const truncated = `${token.slice(0, token.lastIndexOf('.'))}.${b64url(new Uint8Array(32))}`
      expect(await verdict(() => verify(truncated))).toBe('invalid')
    },
  )

  it("throws jose's own error classes", async () => {
    const verify = hmacVerifier(await key('HS256'), 'HS256', runtime)
    const [header = '', payload = ''] = GOOD.split('.')
    const failure = async (token: string) => {
      try {
        await verify(token)
      } catch (error) {
        return error
      }
      throw new Error('accepted')
    }
    expect(await failure(sign(json({ alg: 'HS512' }), PAYLOAD))).toBeInstanceOf(
      errors.JOSEAlgNotAllowed,
    )
    expect(await failure(`${header}.${payload}.${b64url(new Uint8Array(32))}`)).toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    )
    expect(await failure('a.b')).toBeInstanceOf(errors.JWSInvalid)
  })
})

describe.each([
  ['node:crypto (crypto-node)', nodeCrypto],
  ['Web Crypto (crypto-web)', webCrypto],
] as [string, CryptoRuntime][])('compactSigner (HMAC) on %s', (_, runtime) => {
  it.each(['HS256', 'HS384', 'HS512'] as const)(
    "writes jose's CompactSign bytes (%s)",
    async (algorithm) => {
      const secret = await key(algorithm)
      const headers = [
        { alg: algorithm, typ: 'JWT' },
        { alg: algorithm, kid: 'key-1', typ: 'JWT' },
        { alg: algorithm, kid: '\u00e9 "quoted" \\', typ: 'JWT' },
      ]
      const payloads = [
        '{}',
        '{"exp":2000000000,"user_id":1}',
        '{"name":"\\u00e9\\u20ac","list":[1,2,3],"nested":{"a":null}}',
        'x'.repeat(1000),
        '',
      ].map((text) => encoder.encode(text))
      for (const header of headers) {
        const sign = hmacSigner(secret, algorithm, header, runtime)
        for (const payload of payloads) {
          const expected = await new CompactSign(payload).setProtectedHeader(header).sign(secret)
          expect(await sign(payload)).toBe(expected)
        }
      }
    },
  )
})

describe('the token backend', () => {
  const settings = (signingKey: CryptoKey) => ({
    SIGNING_KEY: signingKey,
    ACCESS_TOKEN_LIFETIME: 60,
  })

  it('signs and verifies HMAC tokens exactly as through jose', async () => {
    const { createSimpleJWT } = await import('../simplejwt')
    const secret = await key('HS256')
    const sjwt = await createSimpleJWT({ settings: settings(secret) })
    const claims = { user_id: 1, name: 'é', exp: 2_000_000_000 }
    const token = await sjwt.backend.encode(claims)
    const expected = await new CompactSign(
      encoder.encode('{"user_id":1,"name":"\\u00e9","exp":2000000000}'),
    )
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret)
    expect(token).toBe(expected)
    expect(await sjwt.backend.decode(token)).toEqual(claims)
  })

  it('leaves a key without the `verify` usage to jose, which refuses every token', async () => {
    const { createSimpleJWT } = await import('../simplejwt')
    const signOnly = await crypto.subtle.importKey(
      'raw',
      encoder.encode(SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const sjwt = await createSimpleJWT({ settings: settings(signOnly) })
    const token = await sjwt.backend.encode({ exp: 2_000_000_000 })
    expect(token).toBe(sign(HEADER, b64url('{"exp":2000000000}')))
    await expect(async () => sjwt.backend.decode(token)).rejects.toThrow(
      'Token is invalid or expired',
    )
  })
})
