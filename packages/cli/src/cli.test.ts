import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSimpleJWT } from '@simplejwt/core'
import { afterAll, describe, expect, it } from 'vitest'
import { thumbprint } from './keygen'
import { simplejwt, simplejwtJson } from './run.fixture'

const dir = mkdtempSync(join(tmpdir(), 'simplejwt-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SECRET = 'cli-test-secret-0123456789abcdef-0123'
const COMMANDS = ['decode', 'verify', 'sign', 'keygen', 'flush-expired', 'blacklist', 'revoke-user']

/** A file in the test's folder holding `text`; its path. */
function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'))
}

describe('usage', () => {
  it('prints the commands on --help and exits 0; without a command exits 2', async () => {
    const help = await simplejwt(['--help'])
    expect(help).toMatchObject({ code: 0, stderr: '' })
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command}`)
    const none = await simplejwt([])
    expect(none).toMatchObject({ code: 2, stdout: '' })
    expect(none.stderr).toContain('Usage: simplejwt <command>')
  })

  it('has --help for each command', async () => {
    for (const command of COMMANDS) {
      const run = await simplejwt([command, '--help'])
      expect(run, command).toMatchObject({ code: 0, stderr: '' })
      expect(run.stdout).toContain(`Usage: simplejwt ${command}`)
      expect(run.stdout).toContain('--json')
    }
    expect((await simplejwt(['help', 'sign'])).stdout).toContain('--user-id ID')
  })

  it('exits 2 on an unknown command or option, a missing argument or one too many', async () => {
    const cases = [
      ['frobnicate'],
      ['decode', 'a.b.c', '--frob'],
      ['decode'],
      ['verify', 'a.b.c'],
      ['decode', 'a.b.c', 'extra'],
      ['sign', '--key', SECRET],
      ['sign', '--user-id', '1'],
      ['sign', '--user-id', '1', '--key', SECRET, '--type', 'untyped'],
      ['sign', '--user-id', '1', '--key', SECRET, '--claim', 'novalue'],
      ['sign', '--user-id', '1', '--key', SECRET, '--lifetime', 'soon'],
      ['keygen'],
      ['keygen', '--alg', 'none'],
      ['keygen', '--alg', 'HS256', '--format', 'der'],
      ['revoke-user', '1'],
      ['flush-expired', '--database', 'mysql://x'],
      ['flush-expired', '--database', 'sqlite:a', '--redis', 'redis://b'],
    ]
    for (const args of cases) {
      const run = await simplejwt(args)
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stdout, args.join(' ')).toBe('')
      expect(run.stderr, args.join(' ')).toMatch(/^simplejwt/)
    }
  })
})

describe('keygen', () => {
  it('makes HMAC secrets as long as the hash, base64url or hex', async () => {
    for (const [alg, bytes] of [
      ['HS256', 32],
      ['HS384', 48],
      ['HS512', 64],
    ] as const) {
      const base64 = (await simplejwt(['keygen', '--alg', alg])).stdout.trim()
      expect(base64).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(Buffer.from(base64, 'base64url')).toHaveLength(bytes)
      const hex = (await simplejwt(['keygen', '--alg', alg, '--encoding', 'hex'])).stdout.trim()
      expect(hex).toMatch(new RegExp(`^[0-9a-f]{${bytes * 2}}$`))
    }
  })

  it('writes JWKs with kid, alg and use: sig', async () => {
    const secret = await simplejwtJson(['keygen', '--alg', 'HS384', '--format', 'jwk'])
    const jwk = secret.json['private'] as JsonWebKey & Record<string, string>
    expect(jwk).toMatchObject({ kty: 'oct', alg: 'HS384', use: 'sig', kid: thumbprint(jwk) })
    expect(Buffer.from(jwk.k as string, 'base64url')).toHaveLength(48)
    expect(secret.json['public']).toBeNull()

    const pair = await simplejwtJson(['keygen', '--alg', 'ES384', '--format', 'jwk', '--kid', 'k1'])
    expect(pair.json['kid']).toBe('k1')
    expect(pair.json['private']).toMatchObject({
      kty: 'EC',
      crv: 'P-384',
      kid: 'k1',
      alg: 'ES384',
      use: 'sig',
    })
    expect(pair.json['public']).toMatchObject({
      kty: 'EC',
      crv: 'P-384',
      kid: 'k1',
      alg: 'ES384',
      use: 'sig',
    })
    expect(pair.json['public']).not.toHaveProperty('d')
  })

  it('computes RFC 7638 thumbprints (the RFC example key)', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw'
    expect(thumbprint({ kty: 'RSA', n, e: 'AQAB' })).toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    )
  })

  it('makes key pairs of the algorithm, in PEM and JWK, that sign and verify', async () => {
    const expected: Record<string, { type: string; curve?: string; bits?: number }> = {
      RS256: { type: 'rsa', bits: 2048 },
      PS512: { type: 'rsa', bits: 2048 },
      ES256: { type: 'ec', curve: 'prime256v1' },
      ES512: { type: 'ec', curve: 'secp521r1' },
      EdDSA: { type: 'ed25519' },
    }
    for (const [alg, shape] of Object.entries(expected)) {
      const pem = await simplejwtJson(['keygen', '--alg', alg])
      const publicPem = pem.json['public'] as string
      expect(pem.json['private']).toMatch(/^-----BEGIN PRIVATE KEY-----/)
      expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/)
      const details = createPublicKey(publicPem)
      expect(details.asymmetricKeyType, alg).toBe(shape.type)
      if (shape.curve) expect(details.asymmetricKeyDetails?.namedCurve).toBe(shape.curve)
      if (shape.bits) expect(details.asymmetricKeyDetails?.modulusLength).toBe(shape.bits)

      const privateFile = file(`${alg}.key`, pem.json['private'] as string)
      const publicFile = file(`${alg}.pub`, publicPem)
      const token = (
        await simplejwt(['sign', '--user-id', '1', '--key', `@${privateFile}`, '--alg', alg])
      ).stdout.trim()
      expect(
        JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()),
      ).toMatchObject({ alg })
      expect((await simplejwt(['verify', token, '--key', `@${publicFile}`])).code, alg).toBe(0)

      const jwk = await simplejwtJson(['keygen', '--alg', alg, '--format', 'jwk'])
      const signed = await simplejwt([
        'sign',
        '--user-id',
        '2',
        '--key',
        JSON.stringify(jwk.json['private']),
      ])
      const verified = await simplejwt([
        'verify',
        signed.stdout.trim(),
        '--key',
        JSON.stringify(jwk.json['public']),
      ])
      expect(verified.code, `${alg} jwk`).toBe(0)
    }
  })
})

describe('sign', () => {
  it('makes what RefreshToken.for_user makes, with the type, lifetime and claims asked for', async () => {
    const run = await simplejwt(['sign', '--user-id', '42', '--key', SECRET])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const refresh = payloadOf(run.stdout.trim())
    expect(Object.keys(refresh)).toEqual(['token_type', 'exp', 'iat', 'jti', 'user_id'])
    expect(refresh).toMatchObject({ token_type: 'refresh', user_id: 42 })
    expect((refresh['exp'] as number) - (refresh['iat'] as number)).toBe(86400)
    expect(refresh['jti']).toMatch(/^[0-9a-f]{32}$/)

    const access = await simplejwt([
      'sign',
      '--user-id',
      'u-7',
      '--type',
      'access',
      '--lifetime',
      '90s',
      '--key',
      SECRET,
      '--claim',
      'role=admin',
      '--claim',
      'level=3',
      '--claim',
      'tags=["a","b"]',
      '--claim',
      'eq=a=b',
    ])
    const payload = payloadOf(access.stdout.trim())
    expect(payload).toMatchObject({
      token_type: 'access',
      user_id: 'u-7',
      role: 'admin',
      level: 3,
      tags: ['a', 'b'],
      eq: 'a=b',
    })
    expect((payload['exp'] as number) - (payload['iat'] as number)).toBe(90)

    const sliding = payloadOf(
      (
        await simplejwt([
          'sign',
          '--user-id',
          '1',
          '--type',
          'sliding',
          '--lifetime',
          '600',
          '--key',
          SECRET,
        ])
      ).stdout.trim(),
    )
    expect(sliding).toMatchObject({ token_type: 'sliding' })
    expect((sliding['exp'] as number) - (sliding['iat'] as number)).toBe(600)
    expect((sliding['refresh_exp'] as number) - (sliding['iat'] as number)).toBe(86400)
  })

  it('writes aud and iss, which verify then requires', async () => {
    const token = (
      await simplejwt([
        'sign',
        '--user-id',
        '1',
        '--key',
        SECRET,
        '--audience',
        'api',
        '--issuer',
        'me',
      ])
    ).stdout.trim()
    expect(payloadOf(token)).toMatchObject({ aud: 'api', iss: 'me' })
    expect(
      (await simplejwt(['verify', token, '--key', SECRET, '--audience', 'api', '--issuer', 'me']))
        .code,
    ).toBe(0)
    const wrong = await simplejwt([
      'verify',
      token,
      '--key',
      SECRET,
      '--audience',
      'other',
      '--issuer',
      'me',
    ])
    expect(wrong).toMatchObject({
      code: 1,
      stderr: 'simplejwt verify: Token is invalid or expired\n',
    })
  })

  it('prints the token with --json, decoded', async () => {
    const { code, json } = await simplejwtJson([
      'sign',
      '--user-id',
      '5',
      '--type',
      'access',
      '--key',
      SECRET,
    ])
    expect(code).toBe(0)
    expect(payloadOf(json['token'] as string)).toEqual(json['payload'])
    expect(json).toMatchObject({
      header: { alg: 'HS256', typ: 'JWT' },
      verified: true,
      expired: false,
      token_type: 'access',
    })
  })
})

/** A token of SECRET for user 1, made by the core with its clock at `at` (ms). */
async function tokenAt(at: number, type: 'AccessToken' | 'RefreshToken' = 'AccessToken') {
  const sjwt = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET }, clock: () => at })
  return (await sjwt[type].forUser({ id: 1 })).sign()
}

describe('decode', () => {
  it('prints header, payload and times, and says the signature was not verified', async () => {
    const iat = Math.floor(Date.now() / 1000)
    const token = await tokenAt(iat * 1000)
    const run = await simplejwt(['decode', token])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toContain('Header:\n{\n  "alg": "HS256",\n  "typ": "JWT"\n}')
    expect(run.stdout).toContain('"token_type": "access"')
    expect(run.stdout).toContain(`exp ${new Date((iat + 300) * 1000).toISOString()}  (in `)
    expect(run.stdout).toContain(`iat ${new Date(iat * 1000).toISOString()}`)
    expect(run.stdout).toContain('Expired: no')
    expect(run.stdout).toContain('Signature: NOT verified (give --key or --jwks-url to verify it)')
  })

  it('prints JSON for scripts, reads the token from stdin, and tells an expired token', async () => {
    const token = await tokenAt(Date.UTC(2024, 0, 1))
    const { code, json } = await simplejwtJson(['decode', '-'], `${token}\n`)
    expect(code).toBe(0)
    expect(json).toEqual({
      header: { alg: 'HS256', typ: 'JWT' },
      payload: payloadOf(token),
      verified: false,
      expired: true,
      times: { exp: '2024-01-01T00:05:00.000Z', iat: '2024-01-01T00:00:00.000Z' },
      token_type: 'access',
    })
    const text = await simplejwt(['decode', token])
    expect(text.stdout).toContain('exp 2024-01-01T00:05:00.000Z  (')
    expect(text.stdout).toContain(' ago)')
    expect(text.stdout).toContain('Expired: yes')
  })

  it("verifies when given --key, and exits 1 with simplejwt's message when that fails", async () => {
    const token = await tokenAt(Date.now())
    const good = await simplejwtJson(['decode', token, '--key', SECRET])
    expect(good).toMatchObject({ code: 0, json: { verified: true, expired: false } })
    expect((await simplejwt(['decode', token, '--key', SECRET])).stdout).toContain(
      'Signature and claims: verified',
    )

    const expired = await simplejwtJson([
      'decode',
      await tokenAt(Date.UTC(2024, 0, 1)),
      '--key',
      SECRET,
    ])
    expect(expired).toMatchObject({
      code: 1,
      json: {
        verified: false,
        expired: true,
        error: { detail: 'Token is invalid or expired', code: 'token_not_valid' },
      },
    })
    const wrongType = await simplejwt(['decode', token, '--key', SECRET, '--type', 'refresh'])
    expect(wrongType.code).toBe(1)
    expect(wrongType.stdout).toContain('Signature and claims: INVALID: Token has wrong type')
  })

  it('exits 1 on what is not a token', async () => {
    for (const token of ['abc', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig', 'W10.e30.x']) {
      const run = await simplejwt(['decode', token])
      expect(run.code, token).toBe(1)
      expect(run.stderr).toMatch(/^simplejwt decode: Not a JSON Web Token/)
    }
    const json = await simplejwtJson(['decode', 'abc'])
    expect(json.json).toEqual({
      error: {
        detail: 'Not a JSON Web Token: it must be three base64url parts separated by dots',
        code: 'token_not_valid',
      },
    })
  })
})

describe('verify', () => {
  it("accepts a valid token and refuses others with simplejwt's messages", async () => {
    const access = await tokenAt(Date.now())
    const ok = await simplejwt(['verify', access, '--key', SECRET])
    expect(ok).toMatchObject({ code: 0, stderr: '' })
    expect(ok.stdout).toContain('Token is valid.')
    expect(JSON.parse(ok.stdout.slice(ok.stdout.indexOf('{')))).toEqual(payloadOf(access))
    expect(
      (await simplejwt(['verify', '-', '--key', SECRET, '--type', 'access'], access)).code,
    ).toBe(0)

    const cases: [string[], string][] = [
      [[access, '--key', `${SECRET}-other`], 'Token is invalid or expired'],
      [[await tokenAt(Date.UTC(2024, 0, 1)), '--key', SECRET], 'Token is invalid or expired'],
      [[access, '--key', SECRET, '--type', 'refresh'], 'Token has wrong type'],
      [[`${access.slice(0, -2)}AA`, '--key', SECRET], 'Token is invalid or expired'],
    ]
    for (const [args, detail] of cases) {
      const run = await simplejwt(['verify', ...args])
      expect(run, detail).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `simplejwt verify: ${detail}\n`,
      })
      const json = await simplejwtJson(['verify', ...args])
      expect(json.json).toEqual({ error: { detail, code: 'token_not_valid' } })
    }
  })

  it('refuses a bad key with exit 2, never printing it', async () => {
    const access = await tokenAt(Date.now())
    const short = 'short-secret-4f9a'
    const run = await simplejwt(['verify', access, '--key', short])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('SIGNING_KEY is 17 bytes; HS256 needs at least 32')
    expect(run.stderr + run.stdout).not.toContain(short)

    const pair = await simplejwtJson(['keygen', '--alg', 'RS256'])
    const publicFile = file('hs-confusion.pub', pair.json['public'] as string)
    const confused = await simplejwt([
      'verify',
      access,
      '--key',
      `@${publicFile}`,
      '--alg',
      'HS256',
    ])
    expect(confused.code).toBe(2)
    expect(confused.stderr).toContain('a public key must never be used as an HMAC secret')
    expect(confused.stderr).not.toContain('BEGIN')

    const broken = await simplejwt([
      'verify',
      access,
      '--key',
      '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----',
    ])
    expect(broken.code).toBe(2)
    expect(broken.stderr).not.toContain('c2VjcmV0')
    const json = await simplejwt([
      'verify',
      access,
      '--key',
      '{"kty": "oct", "k": secret-in-bad-json}',
    ])
    expect(json.code).toBe(2)
    expect(json.stderr).not.toContain('secret-in-bad-json')
  })

  it("takes the algorithm from the key's family only, never the token's alg across families", async () => {
    // An HS256 token verified with an RSA public key: RS256 is tried (and fails), never HS256.
    const pair = await simplejwtJson(['keygen', '--alg', 'RS256'])
    const access = await tokenAt(Date.now())
    const run = await simplejwt(['verify', access, `--key=${pair.json['public'] as string}`])
    expect(run).toMatchObject({
      code: 1,
      stderr: 'simplejwt verify: Token is invalid or expired\n',
    })
  })

  it('verifies with the key of its kid from a JWK set (--jwks-url)', async () => {
    const pair = await simplejwtJson([
      'keygen',
      '--alg',
      'ES256',
      '--format',
      'jwk',
      '--kid',
      'current',
    ])
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [pair.json['public']] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
      const token = (
        await simplejwt(['sign', '--user-id', '1', '--key', JSON.stringify(pair.json['private'])])
      ).stdout.trim()
      expect(await simplejwt(['verify', token, '--jwks-url', url])).toMatchObject({
        code: 0,
        stderr: '',
      })
      const decoded = await simplejwtJson(['decode', token, '--jwks-url', url])
      expect(decoded.json).toMatchObject({
        verified: true,
        header: { kid: 'current', alg: 'ES256' },
      })
      const other = await simplejwtJson([
        'keygen',
        '--alg',
        'ES256',
        '--format',
        'jwk',
        '--kid',
        'current',
      ])
      const forged = (
        await simplejwt(['sign', '--user-id', '1', '--key', JSON.stringify(other.json['private'])])
      ).stdout.trim()
      expect((await simplejwt(['verify', forged, '--jwks-url', url])).code).toBe(1)
      expect((await simplejwt(['verify', await tokenAt(Date.now()), '--jwks-url', url])).code).toBe(
        2,
      )
    } finally {
      server.close()
    }
  })
})
