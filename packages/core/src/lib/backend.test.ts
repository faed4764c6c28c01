import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { CompactSign, compactVerify, type JWK } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import type { SettingsInput } from '../settings'
import { createSimpleJWT } from '../simplejwt'
import { asciiJson, type Payload, TokenBackendError } from './backend'
import { prepareKeys } from './keys'

const SECRET = 'simplejwt-backend-test-secret-of-32+bytes'
/** 2000-01-01T00:00:00Z. */
const FIXED_MS = Date.UTC(2000, 0, 1)
const FIXED_S = FIXED_MS / 1000

let now = FIXED_MS
const clock = () => now

beforeEach(() => {
  now = FIXED_MS
})

const pem = (name: string) =>
  readFileSync(new URL(`../../test/keys/${name}`, import.meta.url), 'utf8')

interface Vector {
  alg: string
  jwk: JWK
  protectedHeader: string
  payload: string
  jws: string
}
const rfc7515 = JSON.parse(
  readFileSync(new URL('../../test/vectors/rfc7515.json', import.meta.url), 'utf8'),
) as Record<'A.1' | 'A.2' | 'A.3', Vector>

async function backend(settings: SettingsInput = {}) {
  const sjwt = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET, ...settings }, clock })
  return sjwt.backend
}

const encoder = new TextEncoder()
const b64url = (text: string | Uint8Array) => Buffer.from(text).toString('base64url')
const unb64url = (segment: string) => Buffer.from(segment, 'base64url').toString('utf8')

/** Signs any payload bytes under any header with the HMAC secret, as an attacker or another library could. */
function hmacToken(
  header: unknown,
  payload: string | Uint8Array,
  secret: string = SECRET,
  hash = 'sha256',
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`
}

/** An HS256 JWT of `claims`, signed without the backend adding anything. */
const signed = (claims: Payload, secret = SECRET) =>
  hmacToken({ alg: 'HS256', typ: 'JWT' }, JSON.stringify(claims), secret)

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi']
const publicPart = (jwk: JWK): JWK =>
  Object.fromEntries(Object.entries(jwk).filter(([member]) => !PRIVATE_MEMBERS.includes(member)))

/** The error a promise rejects with: always a TokenBackendError. */
async function refusal(promise: Promise<unknown>): Promise<TokenBackendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TokenBackendError)
  return error as TokenBackendError
}

describe('encode', () => {
  it('writes the header as PyJWT does, bytes for bytes', async () => {
    const token = await (await backend()).encode({ exp: FIXED_S })
    const [header, payload] = token.split('.')
    expect(unb64url(header ?? '')).toBe('{"alg":"HS256","typ":"JWT"}')
    expect(header).toBe('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9')
    expect(unb64url(payload ?? '')).toBe('{"exp":946684800}')
  })

  // The expected tokens were made once by simplejwt 5.2.2's TokenBackend("HS256", SECRET, ...).encode(...)
  // on PyJWT 2.6 (/usr/bin/python3).
  it('writes the payload as Python json.dumps does: compact, non-ASCII and DEL as \\uXXXX', async () => {
    const payload = {
      user_id: 1,
      name: 'Jürgen éè 中文 😀',
      del: '\u007f',
      ctl: '\u0001\n\t"\\/',
      ls: '\u2028\u2029',
      nested: { a: [1, 2.5, true, null] },
    }
    const token = await (await backend()).encode(payload)
    // python3 -c 'import json; print(json.dumps(payload, separators=(",", ":")))'
    expect(unb64url(token.split('.')[1] ?? '')).toBe(
      '{"user_id":1,"name":"J\\u00fcrgen \\u00e9\\u00e8 \\u4e2d\\u6587 \\ud83d\\ude00","del":"\\u007f","ctl":"\\u0001\\n\\t\\"\\\\/","ls":"\\u2028\\u2029","nested":{"a":[1,2.5,true,null]}}',
    )
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxLCJuYW1lIjoiSlx1MDBmY3JnZW4gXHUwMGU5XHUwMGU4IFx1NGUyZFx1NjU4NyBcdWQ4M2RcdWRlMDAiLCJkZWwiOiJcdTAwN2YiLCJjdGwiOiJcdTAwMDFcblx0XCJcXC8iLCJscyI6Ilx1MjAyOFx1MjAyOSIsIm5lc3RlZCI6eyJhIjpbMSwyLjUsdHJ1ZSxudWxsXX19.ePIekqGM4GcoBzhv3MtRw0D9ntHwq-kY93eDWY_hOVc',
    )
  })

  it('adds aud and iss after the claims, replacing a given aud in place, without changing the input', async () => {
    const input = { exp: FIXED_S, aud: 'replaced', x: 1 }
    const copy = { ...input }
    const token = await (await backend({ AUDIENCE: 'my-aud', ISSUER: 'my-iss' })).encode(input)
    expect(input).toEqual(copy)
    expect(unb64url(token.split('.')[1] ?? '')).toBe(
      '{"exp":946684800,"aud":"my-aud","x":1,"iss":"my-iss"}',
    )
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjk0NjY4NDgwMCwiYXVkIjoibXktYXVkIiwieCI6MSwiaXNzIjoibXktaXNzIn0.APIYMEsxsQOkRnirBCCA1F-Not_WO_Ge9IN_ZdDSGxM',
    )
  })

  it('writes a list AUDIENCE as a list', async () => {
    const token = await (await backend({ AUDIENCE: ['a1', 'a2'] })).encode({ exp: FIXED_S })
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjk0NjY4NDgwMCwiYXVkIjpbImExIiwiYTIiXX0.g4-3VID1dXN_AyYzhR9FrQUW-uF94qJhyafo4GP9DUk',
    )
  })

  it('uses JSON_ENCODER for values JSON has no form for', async () => {
    const b = await backend({
      JSON_ENCODER: (_key: string, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
    })
    const decoded = await b.decode(
      await b.encode({ exp: FIXED_S + 60, big: 12345678901234567890n }),
    )
    expect(decoded['big']).toBe('12345678901234567890')
  })

  it('asciiJson escapes like json.dumps with ensure_ascii', () => {
    expect(asciiJson({ a: 'ÿ\u0080~' })).toBe('{"a":"\\u00ff\\u0080~"}')
    expect(asciiJson('\ud800')).toBe('"\\ud800"')
  })
})

describe('decode', () => {
  it('returns the payload of a good token', async () => {
    const b = await backend()
    const payload = { foo: 'baz', exp: FIXED_S + 86400 }
    expect(await b.decode(await b.encode(payload))).toEqual(payload)
  })

  it('accepts a token without exp (the token classes require it, not the backend)', async () => {
    const b = await backend()
    expect(await b.decode(signed({ foo: 'bar' }))).toEqual({ foo: 'bar' })
    expect(await b.decode(signed({ foo: 'bar' }), false)).toEqual({ foo: 'bar' })
  })

  it('refuses an expired token, but returns it without verification', async () => {
    const b = await backend()
    const token = signed({ foo: 'bar', exp: FIXED_S - 1 })
    const error = await refusal(b.decode(token))
    expect(error.message).toBe('Token is invalid or expired')
    expect(await b.decode(token, false)).toEqual({ foo: 'bar', exp: FIXED_S - 1 })
  })

  it('refuses a signature taken from another token, but returns its payload without verification', async () => {
    const b = await backend()
    const first = signed({ foo: 'bar', exp: FIXED_S + 86400 })
    const second = signed({ foo: 'baz', exp: FIXED_S + 86400 })
    const forged = `${second.slice(0, second.lastIndexOf('.'))}.${first.slice(first.lastIndexOf('.') + 1)}`
    await refusal(b.decode(forged))
    expect(await b.decode(forged, false)).toEqual({ foo: 'baz', exp: FIXED_S + 86400 })
  })

  it('refuses a token signed with another secret', async () => {
    await refusal((await backend()).decode(signed({ exp: FIXED_S + 60 }, `${SECRET}!`)))
  })

  it('refuses a token of another HMAC algorithm: "Invalid algorithm specified"', async () => {
    const token = hmacToken(
      { alg: 'HS512', typ: 'JWT' },
      JSON.stringify({ exp: FIXED_S + 60 }),
      SECRET,
      'sha512',
    )
    const error = await refusal((await backend()).decode(token))
    expect(error.message).toBe('Invalid algorithm specified')
    // An HS512 configuration with a long enough secret accepts such a token.
    const hs512 = await backend({ ALGORITHM: 'HS512', SIGNING_KEY: SECRET.repeat(2) })
    const good = hmacToken(
      { alg: 'HS512', typ: 'JWT' },
      JSON.stringify({ exp: FIXED_S + 60 }),
      SECRET.repeat(2),
      'sha512',
    )
    expect(await hs512.decode(good)).toEqual({ exp: FIXED_S + 60 })
  })

  it('refuses an RS256 token where HS256 is configured', async () => {
    const rs256 = await backend({
      ALGORITHM: 'RS256',
      SIGNING_KEY: pem('rsa-private.pem'),
      VERIFYING_KEY: pem('rsa-public.pem'),
    })
    const token = await rs256.encode({ exp: FIXED_S + 60 })
    const error = await refusal((await backend()).decode(token))
    expect(error.message).toBe('Invalid algorithm specified')
  })

  it('refuses an unsigned token (alg none)', async () => {
    const token = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify({ exp: FIXED_S + 60 }))}.`
    const error = await refusal((await backend()).decode(token))
    expect(error.message).toBe('Invalid algorithm specified')
    // Without verification PyJWT does not look at the algorithm.
    expect(await (await backend()).decode(token, false)).toEqual({ exp: FIXED_S + 60 })
  })

  it.each([
    ['not JSON', b64url('not json')],
    ['a JSON array', b64url('["alg","HS256"]')],
    ['a JSON string', b64url('"HS256"')],
    ['not base64url', '!!!'],
  ])('refuses a header that is %s, with or without verification', async (_, header) => {
    const b = await backend()
    const input = `${header}.${b64url(JSON.stringify({ exp: FIXED_S + 60 }))}`
    const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
    await refusal(b.decode(token))
    await refusal(b.decode(token, false))
  })

  it.each([
    ['a list', '[1,2]'],
    ['a number', '123'],
    ['a string', '"payload"'],
    ['null', 'null'],
    ['not JSON', '{"exp":'],
    ['empty', ''],
  ])('refuses a payload that is %s', async (_, payload) => {
    const b = await backend()
    const token = hmacToken({ alg: 'HS256', typ: 'JWT' }, payload)
    await refusal(b.decode(token))
    await refusal(b.decode(token, false))
  })

  it('refuses a payload that is not UTF-8', async () => {
    const b = await backend()
    // {"\xff":1}
    const token = hmacToken(
      { alg: 'HS256', typ: 'JWT' },
      new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
    )
    await refusal(b.decode(token))
    await refusal(b.decode(token, false))
  })

  it('refuses truncated and malformed tokens', async () => {
    const b = await backend()
    const token = await b.encode({ exp: FIXED_S + 60 })
    const [header = '', payload = '', signature = ''] = token.split('.')
    const broken = [
      token.slice(0, -1),
      token.slice(0, -2),
      token.slice(0, token.lastIndexOf('.')),
      `${header}.${payload}.`,
      `${header}.${payload}`,
      header,
      `${header}.`,
      `.${payload}.${signature}`,
      `${header}..${signature}`,
      `${token}.`,
      `${header}.${payload}.${signature}.${signature}`,
      token.slice(1),
      '',
      '.',
      '..',
      '...',
      'a.b.c',
      `${token} `,
      ` ${token}`,
      token.replace('.', '\n.'),
      'é.é.é',
      '\u0000.\u0000.\u0000',
    ]
    for (const input of broken) await refusal(b.decode(input))
    for (const input of broken.filter((t) => !t.startsWith(`${header}.${payload}.`))) {
      await refusal(b.decode(input, false))
    }
  })

  it('refuses tokens longer than MAX_TOKEN_LENGTH unread', async () => {
    const b = await backend()
    const big = await b.encode({ exp: FIXED_S + 60, filler: 'x'.repeat(7000) })
    expect(big.length).toBeGreaterThan(8192)
    await refusal(b.decode(big))
    await refusal(b.decode(big, false))

    const token = await b.encode({ exp: FIXED_S + 60 })
    expect(await (await backend({ MAX_TOKEN_LENGTH: token.length })).decode(token)).toEqual({
      exp: FIXED_S + 60,
    })
    await refusal((await backend({ MAX_TOKEN_LENGTH: token.length - 1 })).decode(token))
  })

  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { token: 'a.b.c' }],
    ['an array', ['a', 'b', 'c']],
    ['bytes', new Uint8Array([0x61, 0x2e, 0x62, 0x2e, 0x63])],
    ['a String object', new String('a.b.c')],
  ])('refuses %s with a TokenBackendError', async (_, input) => {
    const b = await backend()
    await refusal(b.decode(input))
    await refusal(b.decode(input, false))
  })

  it('refuses valid bytes of a good token: only strings are tokens', async () => {
    const b = await backend()
    const token = await b.encode({ exp: FIXED_S + 60 })
    await refusal(b.decode(encoder.encode(token)))
  })

  it('refuses an unencoded payload (b64: false), with or without crit', async () => {
    const b = await backend()
    const payload = JSON.stringify({ exp: FIXED_S + 60 })
    // RFC 7797: the payload is signed and sent as it is, not base64url-encoded.
    const header = b64url(JSON.stringify({ alg: 'HS256', b64: false, crit: ['b64'] }))
    const mac = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')
    const withCrit = `${header}.${payload}.${mac}`
    await expect(
      compactVerify(withCrit, encoder.encode(SECRET), { algorithms: ['HS256'] }),
    ).resolves.toBeDefined()
    await refusal(b.decode(withCrit))
    const withoutCrit = hmacToken({ alg: 'HS256', typ: 'JWT', b64: false }, payload)
    await refusal(b.decode(withoutCrit))
    // PyJWT refuses it even when it does not verify the signature.
    await refusal(b.decode(withoutCrit, false))
  })

  it('writes and reads a kid taken from a JWK signing key', async () => {
    const b = await backend({ SIGNING_KEY: { kty: 'oct', k: b64url(SECRET), kid: 'key-1' } })
    const token = await b.encode({ exp: FIXED_S + 60 })
    expect(unb64url(token.split('.')[0] ?? '')).toBe('{"alg":"HS256","kid":"key-1","typ":"JWT"}')
    expect(await b.decode(token)).toEqual({ exp: FIXED_S + 60 })
    // The same secret given as a string verifies it too.
    expect(await (await backend()).decode(token)).toEqual({ exp: FIXED_S + 60 })
  })
})

describe("PyJWT's claim checks", () => {
  describe('iat', () => {
    it('refuses an iat in the future', async () => {
      const b = await backend()
      expect(await b.decode(signed({ iat: FIXED_S }))).toEqual({ iat: FIXED_S })
      await refusal(b.decode(signed({ iat: FIXED_S + 1 })))
      await refusal(b.decode(signed({ iat: FIXED_S + 0.5 })))
    })

    it('allows the leeway', async () => {
      const b = await backend({ LEEWAY: 10 })
      expect(await b.decode(signed({ iat: FIXED_S + 10 }))).toEqual({ iat: FIXED_S + 10 })
      await refusal(b.decode(signed({ iat: FIXED_S + 11 })))
    })

    it('compares with the current time in whole seconds', async () => {
      const b = await backend()
      now = FIXED_MS + 999
      await refusal(b.decode(signed({ iat: FIXED_S + 1 })))
    })

    it.each(['abc', null, {}, []])('refuses a non-numeric iat %j', async (iat) => {
      await refusal((await backend()).decode(signed({ iat })))
    })

    it('is not checked without verification', async () => {
      expect(await (await backend()).decode(signed({ iat: FIXED_S + 3600 }), false)).toEqual({
        iat: FIXED_S + 3600,
      })
    })
  })

  describe('nbf', () => {
    it('refuses a token not yet valid', async () => {
      const b = await backend()
      expect(await b.decode(signed({ nbf: FIXED_S }))).toEqual({ nbf: FIXED_S })
      await refusal(b.decode(signed({ nbf: FIXED_S + 1 })))
    })

    it('allows the leeway', async () => {
      const b = await backend({ LEEWAY: 10 })
      expect(await b.decode(signed({ nbf: FIXED_S + 10 }))).toEqual({ nbf: FIXED_S + 10 })
      await refusal(b.decode(signed({ nbf: FIXED_S + 11 })))
    })

    it('reads a fractional nbf as int() does', async () => {
      expect(await (await backend()).decode(signed({ nbf: FIXED_S + 0.9 }))).toEqual({
        nbf: FIXED_S + 0.9,
      })
    })

    it('refuses a non-numeric nbf', async () => {
      await refusal((await backend()).decode(signed({ nbf: 'soon' })))
    })
  })

  describe('exp', () => {
    it('refuses exp at or before now', async () => {
      const b = await backend()
      expect(await b.decode(signed({ exp: FIXED_S + 1 }))).toEqual({ exp: FIXED_S + 1 })
      await refusal(b.decode(signed({ exp: FIXED_S })))
      await refusal(b.decode(signed({ exp: FIXED_S - 1 })))
    })

    it('allows the leeway: exp equal to now minus the leeway is expired', async () => {
      const b = await backend({ LEEWAY: 100 })
      expect(await b.decode(signed({ exp: FIXED_S - 50 }))).toEqual({ exp: FIXED_S - 50 })
      expect(await b.decode(signed({ exp: FIXED_S - 99 }))).toEqual({ exp: FIXED_S - 99 })
      await refusal(b.decode(signed({ exp: FIXED_S - 100 })))
      await refusal(b.decode(signed({ exp: FIXED_S - 200 })))
    })

    it('compares with the current time in whole seconds, and reads exp as int() does', async () => {
      const b = await backend()
      now = FIXED_MS + 999
      expect(await b.decode(signed({ exp: FIXED_S + 1 }))).toEqual({ exp: FIXED_S + 1 })
      now = FIXED_MS
      await refusal(b.decode(signed({ exp: FIXED_S + 0.5 })))
    })

    it.each(['tomorrow', null, true])('refuses a non-numeric exp %j', async (exp) => {
      await refusal((await backend()).decode(signed({ exp })))
    })
  })

  describe('iss', () => {
    it('is required and compared when ISSUER is set', async () => {
      const b = await backend({ ISSUER: 'https://issuer.example' })
      expect(await b.decode(signed({ iss: 'https://issuer.example' }))).toEqual({
        iss: 'https://issuer.example',
      })
      await refusal(b.decode(signed({ foo: 'bar' })))
      await refusal(b.decode(signed({ iss: 'https://other.example' })))
      await refusal(b.decode(signed({ iss: ['https://issuer.example'] })))
    })

    it('is not checked when ISSUER is not set', async () => {
      expect(await (await backend()).decode(signed({ iss: 'anyone' }))).toEqual({ iss: 'anyone' })
    })

    it('round-trips through encode', async () => {
      const b = await backend({ ISSUER: 'me', AUDIENCE: 'you' })
      expect(await b.decode(await b.encode({ x: 1 }))).toEqual({ x: 1, aud: 'you', iss: 'me' })
    })
  })

  describe('aud', () => {
    it.each([
      ['a string', 'a1', 'a1'],
      ['a list containing it', 'a1', ['x', 'a1']],
      ['one of a list AUDIENCE', ['a1', 'a2'], 'a2'],
      ['a list meeting a list AUDIENCE', ['a1', 'a2'], ['a3', 'a2']],
    ])('accepts %s', async (_, audience, aud) => {
      expect(await (await backend({ AUDIENCE: audience })).decode(signed({ aud }))).toEqual({ aud })
    })

    it.each([
      ['another audience', 'a1', 'a2'],
      ['a list without it', 'a1', ['a2', 'a3']],
      ['no aud', 'a1', undefined],
      ['an empty aud', 'a1', ''],
      ['an empty list', 'a1', []],
      ['a list with a non-string', 'a1', ['a1', 1]],
      ['a number', 'a1', 1],
      ['an object', 'a1', { a1: true }],
      ['none of a list AUDIENCE', ['a1', 'a2'], ['a3']],
    ])('refuses %s', async (_, audience, aud) => {
      const b = await backend({ AUDIENCE: audience })
      const token = signed(aud === undefined ? { foo: 'bar' } : { aud })
      await refusal(b.decode(token))
      // simplejwt passes PyJWT verify_aud whenever AUDIENCE is set, even when not verifying.
      await refusal(b.decode(token, false))
    })

    it('accepts any aud when no AUDIENCE is configured (verify_aud is off)', async () => {
      const b = await backend()
      expect(await b.decode(signed({ aud: 'someone-else' }))).toEqual({ aud: 'someone-else' })
      expect(await b.decode(signed({ aud: ['x', 'y'] }))).toEqual({ aud: ['x', 'y'] })
    })
  })
})

describe('RFC 7515 appendix A', () => {
  // The RFC's example payload has no jti or token type: these are backend-level checks, at an
  // instant before its exp (1300819380).
  const BEFORE_EXP = 1300819379_000
  const expected = { iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true }

  it('A.1 (HS256) verifies with the example JWK key', async () => {
    const vector = rfc7515['A.1']
    const keys = await prepareKeys({
      algorithm: 'HS256',
      signingKey: vector.jwk,
      verifyingKey: undefined,
      jwkUrl: null,
    })
    const result = await compactVerify(vector.jws, keys.verify as CryptoKey, {
      algorithms: ['HS256'],
    })
    expect(new TextDecoder().decode(result.payload)).toBe(vector.payload)

    now = BEFORE_EXP
    const b = await backend({ SIGNING_KEY: vector.jwk, ISSUER: 'joe' })
    expect(await b.decode(vector.jws)).toEqual(expected)
    now = 1300819380_000
    await refusal(b.decode(vector.jws))
  })

  it('A.1 with a character of the signature changed is refused', async () => {
    const vector = rfc7515['A.1']
    now = BEFORE_EXP
    const b = await backend({ SIGNING_KEY: vector.jwk })
    const at = vector.jws.lastIndexOf('.') + 1
    const changed = vector.jws[at] === 'A' ? 'B' : 'A'
    await refusal(b.decode(`${vector.jws.slice(0, at)}${changed}${vector.jws.slice(at + 1)}`))
    // The last character carries two unused bits: changing only those is the same signature, for
    // PyJWT too (base64 decoding ignores them).
    expect(await b.decode(`${vector.jws.slice(0, -1)}l`)).toMatchObject({ iss: 'joe' })
  })

  it('A.2 (RS256) verifies, and signing reproduces its signature', async () => {
    const vector = rfc7515['A.2']
    const publicJwk = publicPart(vector.jwk)
    now = BEFORE_EXP
    const b = await backend({
      ALGORITHM: 'RS256',
      SIGNING_KEY: vector.jwk,
      VERIFYING_KEY: publicJwk,
    })
    expect(await b.decode(vector.jws)).toEqual(expected)

    // RSASSA-PKCS1-v1_5 is deterministic: our prepared key must give the RFC's exact bytes.
    const keys = await prepareKeys({
      algorithm: 'RS256',
      signingKey: vector.jwk,
      verifyingKey: publicJwk,
      jwkUrl: null,
    })
    const jws = await new CompactSign(encoder.encode(vector.payload))
      .setProtectedHeader(JSON.parse(vector.protectedHeader) as { alg: string })
      .sign(keys.sign as CryptoKey)
    expect(jws).toBe(vector.jws)
  })

  it('A.3 (ES256) verifies, and our signatures verify with its public key', async () => {
    const vector = rfc7515['A.3']
    const publicJwk = publicPart(vector.jwk)
    now = BEFORE_EXP
    const b = await backend({
      ALGORITHM: 'ES256',
      SIGNING_KEY: vector.jwk,
      VERIFYING_KEY: publicJwk,
    })
    expect(await b.decode(vector.jws)).toEqual(expected)
    const ours = await b.encode({ iss: 'joe', exp: 1300819380 })
    const verified = await compactVerify(
      ours,
      (
        await prepareKeys({
          algorithm: 'ES256',
          signingKey: undefined,
          verifyingKey: publicJwk,
          jwkUrl: null,
        })
      ).verify as CryptoKey,
    )
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({
      iss: 'joe',
      exp: 1300819380,
    })
  })

  it('the vectors of one algorithm are refused by the others', async () => {
    now = BEFORE_EXP
    const hs = await backend({ SIGNING_KEY: rfc7515['A.1'].jwk })
    expect((await refusal(hs.decode(rfc7515['A.2'].jws))).message).toBe(
      'Invalid algorithm specified',
    )
    expect((await refusal(hs.decode(rfc7515['A.3'].jws))).message).toBe(
      'Invalid algorithm specified',
    )
  })
})
