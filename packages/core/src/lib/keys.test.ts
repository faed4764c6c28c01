import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { decodeProtectedHeader, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, TokenError } from '../errors'
import type { SettingsInput } from '../settings'
import { createSimpleJWT } from '../simplejwt'
import { AccessToken } from '../tokens'
import type { KeyInput } from './keys'

const FIXED_MS = Date.UTC(2000, 0, 1)
const clock = () => FIXED_MS

const file = (name: string) =>
  readFileSync(new URL(`../../test/keys/${name}`, import.meta.url), 'utf8')
const jwk = (name: string) => JSON.parse(file(name)) as JWK

const RSA_PRIVATE = file('rsa-private.pem')
const RSA_PUBLIC = file('rsa-public.pem')

const configure = (settings: SettingsInput) => createSimpleJWT({ settings, clock })

/** A token made by `signer` and decoded by `verifier` (the same configuration by default). */
async function roundTrip(signer: SettingsInput, verifier: SettingsInput = signer) {
  const signing = await configure(signer)
  const verifying = signer === verifier ? signing : await configure(verifier)
  const token = await new signing.AccessToken().set('user_id', 1).sign()
  const decoded = await verifying.AccessToken.decode(token)
  expect(decoded).toBeInstanceOf(AccessToken)
  expect(decoded.get('user_id')).toBe(1)
  return token
}

/** The ConfigurationError that configuring `settings` fails with. */
async function misconfigured(settings: SettingsInput): Promise<ConfigurationError> {
  const error = await configure(settings).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigurationError)
  return error as ConfigurationError
}

describe('every algorithm signs and verifies', () => {
  it.each([
    ['HS256', 'x'.repeat(32)],
    ['HS384', 'x'.repeat(48)],
    ['HS512', 'x'.repeat(64)],
  ] as const)('%s with a secret of the hash size', async (ALGORITHM, SIGNING_KEY) => {
    const token = await roundTrip({ ALGORITHM, SIGNING_KEY })
    expect(decodeProtectedHeader(token)).toEqual({ alg: ALGORITHM, typ: 'JWT' })
    // Same secret, other hash: refused.
    const other = ALGORITHM === 'HS512' ? 'HS256' : 'HS512'
    const elsewhere = await configure({ ALGORITHM: other, SIGNING_KEY: 'x'.repeat(64) })
    await expect(async () => elsewhere.AccessToken.decode(token)).rejects.toThrow(TokenError)
  })

  it.each([
    ['RS256', 'rsa'],
    ['RS384', 'rsa'],
    ['RS512', 'rsa'],
    ['PS256', 'rsa'],
    ['PS384', 'rsa'],
    ['PS512', 'rsa'],
    ['ES256', 'ec-p256'],
    ['ES384', 'ec-p384'],
    ['ES512', 'ec-p521'],
    ['EdDSA', 'ed25519'],
  ] as const)('%s with a %s key pair', async (ALGORITHM, pair) => {
    const settings = {
      ALGORITHM,
      SIGNING_KEY: file(`${pair}-private.pem`),
      VERIFYING_KEY: file(`${pair}-public.pem`),
    }
    const token = await roundTrip(settings)
    expect(decodeProtectedHeader(token)).toEqual({ alg: ALGORITHM, typ: 'JWT' })
    // Verifying alone needs only the public key.
    await roundTrip(settings, { ALGORITHM, VERIFYING_KEY: settings.VERIFYING_KEY })
  })

  it('RS256 tokens are refused where PS256 is configured with the same keys', async () => {
    const rs = { ALGORITHM: 'RS256', SIGNING_KEY: RSA_PRIVATE, VERIFYING_KEY: RSA_PUBLIC } as const
    const token = await roundTrip(rs)
    const ps = await configure({ ...rs, ALGORITHM: 'PS256' })
    await expect(async () => ps.AccessToken.decode(token)).rejects.toThrow(
      'Token is invalid or expired',
    )
  })

  it('a configuration with only a verifying key cannot sign', async () => {
    const sjwt = await configure({ ALGORITHM: 'RS256', VERIFYING_KEY: RSA_PUBLIC })
    await expect(new sjwt.AccessToken().sign()).rejects.toThrow(/SIGNING_KEY/)
  })
})

describe('key formats', () => {
  const rs256 = (SIGNING_KEY: KeyInput, VERIFYING_KEY: KeyInput): SettingsInput => ({
    ALGORITHM: 'RS256',
    SIGNING_KEY,
    VERIFYING_KEY,
  })

  it.each([
    ['PKCS#8', RSA_PRIVATE],
    ['PKCS#1 (RSA PRIVATE KEY)', file('rsa-private-pkcs1.pem')],
    ['a JWK object', jwk('rsa-private.jwk.json')],
    ['a JWK JSON string', file('rsa-private.jwk.json')],
  ])('an RSA signing key as %s', async (_, key) => {
    await roundTrip(rs256(key, RSA_PUBLIC), rs256(RSA_PRIVATE, RSA_PUBLIC))
  })

  it.each([
    ['SPKI (PUBLIC KEY)', RSA_PUBLIC],
    ['PKCS#1 (RSA PUBLIC KEY)', file('rsa-public-pkcs1.pem')],
    ['an X.509 certificate', file('rsa-cert.pem')],
    ['a JWK object', jwk('rsa-public.jwk.json')],
    ['a JWK JSON string', file('rsa-public.jwk.json')],
    ['a private JWK (only its public part is used)', jwk('rsa-private.jwk.json')],
  ])('an RSA verifying key as %s', async (_, key) => {
    await roundTrip(rs256(RSA_PRIVATE, RSA_PUBLIC), rs256(RSA_PRIVATE, key))
  })

  it.each([
    ['PKCS#8', 'ES256', file('ec-p256-private.pem'), file('ec-p256-cert.pem')],
    ['SEC1 (EC PRIVATE KEY)', 'ES256', file('ec-p256-sec1.pem'), file('ec-p256-public.pem')],
    ['SEC1 (EC PRIVATE KEY)', 'ES384', file('ec-p384-sec1.pem'), file('ec-p384-public.pem')],
    ['SEC1 (EC PRIVATE KEY)', 'ES512', file('ec-p521-sec1.pem'), file('ec-p521-public.pem')],
    ['a JWK object', 'ES256', jwk('ec-p256-private.jwk.json'), jwk('ec-p256-public.jwk.json')],
    [
      'a JWK JSON string',
      'ES256',
      file('ec-p256-private.jwk.json'),
      file('ec-p256-public.jwk.json'),
    ],
  ] as const)('an EC key pair as %s for %s', async (_, ALGORITHM, SIGNING_KEY, VERIFYING_KEY) => {
    const pair = ALGORITHM === 'ES256' ? 'ec-p256' : ALGORITHM === 'ES384' ? 'ec-p384' : 'ec-p521'
    const pem = {
      ALGORITHM,
      SIGNING_KEY: file(`${pair}-private.pem`),
      VERIFYING_KEY: file(`${pair}-public.pem`),
    }
    // Tokens made with one form verify with the other, both ways.
    await roundTrip({ ALGORITHM, SIGNING_KEY, VERIFYING_KEY }, pem)
    await roundTrip(pem, { ALGORITHM, SIGNING_KEY, VERIFYING_KEY })
  })

  it('an Ed25519 key pair as JWK', async () => {
    const pem = {
      ALGORITHM: 'EdDSA',
      SIGNING_KEY: file('ed25519-private.pem'),
      VERIFYING_KEY: file('ed25519-public.pem'),
    } as const
    const asJwk = {
      ALGORITHM: 'EdDSA',
      SIGNING_KEY: jwk('ed25519-private.jwk.json'),
      VERIFYING_KEY: file('ed25519-public.jwk.json'),
    } as const
    await roundTrip(asJwk, pem)
    await roundTrip(pem, asJwk)
  })

  it('a PEM surrounded by blank lines, as in a Python triple-quoted string', async () => {
    // simplejwt's own test keys are written as """\n-----BEGIN ...-----\n...\n""".
    for (const [SIGNING_KEY, VERIFYING_KEY] of [
      [RSA_PRIVATE, RSA_PUBLIC],
      [file('rsa-private-pkcs1.pem'), file('rsa-public-pkcs1.pem')],
      [RSA_PRIVATE, file('rsa-cert.pem')],
    ]) {
      await roundTrip(rs256(`\n${SIGNING_KEY}\n`, `\n    ${VERIFYING_KEY}  \n`))
    }
  })

  it('a PEM with CRLF line ends', async () => {
    const crlf = (text: string) => text.replaceAll('\n', '\r\n')
    await roundTrip(rs256(crlf(RSA_PRIVATE), crlf(RSA_PUBLIC)))
    await roundTrip(rs256(crlf(file('rsa-private-pkcs1.pem')), crlf(file('rsa-public-pkcs1.pem'))))
  })

  it('an imported CryptoKey', async () => {
    const pem = rs256(RSA_PRIVATE, RSA_PUBLIC)
    const der = (text: string) =>
      Buffer.from(text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64')
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    const privateKey = await crypto.subtle.importKey('pkcs8', der(RSA_PRIVATE), algorithm, false, [
      'sign',
    ])
    const publicKey = await crypto.subtle.importKey('spki', der(RSA_PUBLIC), algorithm, false, [
      'verify',
    ])
    await roundTrip(rs256(privateKey, publicKey), pem)
    const secret = await crypto.subtle.importKey(
      'raw',
      Buffer.from('k'.repeat(32)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    await roundTrip({ SIGNING_KEY: secret }, { SIGNING_KEY: 'k'.repeat(32) })
  })

  it('an HMAC secret as bytes or an oct JWK', async () => {
    const secret = 'b'.repeat(40)
    await roundTrip({ SIGNING_KEY: new TextEncoder().encode(secret) }, { SIGNING_KEY: secret })
    await roundTrip(
      { SIGNING_KEY: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } },
      { SIGNING_KEY: secret },
    )
    // A secret counts in bytes: 16 two-byte characters are enough for HS256.
    await roundTrip({ SIGNING_KEY: 'é'.repeat(16) })
  })

  it('the kid of a JWK signing key goes into the header', async () => {
    const token = await roundTrip(
      rs256({ ...jwk('rsa-private.jwk.json'), kid: 'key-1', use: 'sig', alg: 'RS256' }, RSA_PUBLIC),
    )
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
  })

  it('keys do not show when the configuration is logged', async () => {
    const sjwt = await configure(rs256(RSA_PRIVATE, RSA_PUBLIC))
    const body = RSA_PRIVATE.split('\n')[1] ?? ''
    expect(body.length).toBeGreaterThan(20)
    expect(inspect(sjwt, { depth: 10 })).not.toContain(body)
    expect(JSON.stringify(sjwt)).not.toContain(body)
  })
})

describe('configuration errors at start-up', () => {
  describe('HMAC', () => {
    it.each([
      ['HS256', 31],
      ['HS384', 47],
      ['HS512', 63],
    ] as const)('%s refuses a secret of %i bytes', async (ALGORITHM, bytes) => {
      const error = await misconfigured({ ALGORITHM, SIGNING_KEY: 's'.repeat(bytes) })
      expect(error.message).toContain(`SIGNING_KEY is ${bytes} bytes`)
      await misconfigured({ ALGORITHM, SIGNING_KEY: new Uint8Array(bytes) })
    })

    it('counts bytes, not characters', async () => {
      await misconfigured({ SIGNING_KEY: `${'é'.repeat(15)}a` })
    })

    it('needs a SIGNING_KEY', async () => {
      await misconfigured({})
      await misconfigured({ ALGORITHM: 'HS512' })
    })

    it.each([
      ['a PEM public key', RSA_PUBLIC],
      ['a PEM public key after blank lines', `\n\n${RSA_PUBLIC}`],
      ['a PEM private key', RSA_PRIVATE],
      ['an RSA PUBLIC KEY', file('rsa-public-pkcs1.pem')],
      ['an X.509 certificate', file('rsa-cert.pem')],
      ['a PEM key after other text', `key:\n${RSA_PUBLIC}`],
      ['an OpenSSH public key', file('rsa-public.openssh.pub')],
      ['a JWK JSON string', file('rsa-public.jwk.json')],
      ['a PEM public key as bytes', new TextEncoder().encode(RSA_PUBLIC)],
      ['an RSA JWK object', jwk('rsa-public.jwk.json')],
      ['an EC JWK object', jwk('ec-p256-private.jwk.json')],
    ])('refuses %s as the secret', async (_, SIGNING_KEY) => {
      // PyJWT's HMAC prepare_key refuses PEM and SSH keys: a public key must never be a shared secret.
      await misconfigured({ ALGORITHM: 'HS256', SIGNING_KEY })
    })

    it('refuses the RS256/HS256 confusion: the RSA public key as an HS256 secret', async () => {
      const rs256 = {
        ALGORITHM: 'RS256',
        SIGNING_KEY: RSA_PRIVATE,
        VERIFYING_KEY: RSA_PUBLIC,
      } as const
      const token = await roundTrip(rs256)
      await misconfigured({ ALGORITHM: 'HS256', SIGNING_KEY: RSA_PUBLIC })
      // A token MACed with the public key's bytes is refused where RS256 is configured.
      const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')
      const payload = token.split('.')[1] ?? ''
      const mac = createHmac('sha256', RSA_PUBLIC)
        .update(`${header}.${payload}`)
        .digest('base64url')
      const sjwt = await configure(rs256)
      await expect(async () =>
        sjwt.AccessToken.decode(`${header}.${payload}.${mac}`),
      ).rejects.toThrow(TokenError)
    })

    it('refuses a CryptoKey of another kind', async () => {
      const sha512 = await crypto.subtle.importKey(
        'raw',
        new Uint8Array(64),
        { name: 'HMAC', hash: 'SHA-512' },
        false,
        ['sign'],
      )
      await misconfigured({ ALGORITHM: 'HS256', SIGNING_KEY: sha512 })
      const { publicKey } = await crypto.subtle.generateKey(
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['sign', 'verify'],
      )
      await misconfigured({ ALGORITHM: 'HS256', SIGNING_KEY: publicKey })
    })

    it('refuses an oct JWK for another algorithm or use', async () => {
      const k = Buffer.from('j'.repeat(64)).toString('base64url')
      await misconfigured({ ALGORITHM: 'HS256', SIGNING_KEY: { kty: 'oct', k, alg: 'HS512' } })
      await misconfigured({ ALGORITHM: 'HS256', SIGNING_KEY: { kty: 'oct', k, use: 'enc' } })
      await roundTrip({
        ALGORITHM: 'HS256',
        SIGNING_KEY: { kty: 'oct', k, alg: 'HS256', use: 'sig' },
      })
    })
  })

  describe('asymmetric', () => {
    it('needs VERIFYING_KEY or JWK_URL', async () => {
      const error = await misconfigured({ ALGORITHM: 'RS256', SIGNING_KEY: RSA_PRIVATE })
      expect(error.message).toMatch(/VERIFYING_KEY/)
      // simplejwt's default VERIFYING_KEY is '', meaning none.
      await misconfigured({
        ALGORITHM: 'ES256',
        SIGNING_KEY: file('ec-p256-private.pem'),
        VERIFYING_KEY: '',
      })
      await expect(
        configure({
          ALGORITHM: 'RS256',
          SIGNING_KEY: RSA_PRIVATE,
          JWK_URL: 'https://issuer.example/.well-known/jwks.json',
        }),
      ).resolves.toBeDefined()
      await misconfigured({ ALGORITHM: 'RS256', SIGNING_KEY: RSA_PRIVATE, JWK_URL: 'not a url' })
    })

    it.each([
      ['an RSA pair for ES256', 'ES256', 'rsa'],
      ['a P-384 pair for ES256', 'ES256', 'ec-p384'],
      ['a P-256 pair for ES384', 'ES384', 'ec-p256'],
      ['a P-256 pair for ES512', 'ES512', 'ec-p256'],
      ['an Ed25519 pair for ES256', 'ES256', 'ed25519'],
      ['an EC pair for RS256', 'RS256', 'ec-p256'],
      ['an EC pair for PS256', 'PS256', 'ec-p256'],
      ['an RSA pair for EdDSA', 'EdDSA', 'rsa'],
      ['an EC pair for EdDSA', 'EdDSA', 'ec-p256'],
    ] as const)('refuses %s', async (_, ALGORITHM, pair) => {
      await misconfigured({
        ALGORITHM,
        SIGNING_KEY: file(`${pair}-private.pem`),
        VERIFYING_KEY: file(`${pair}-public.pem`),
      })
      await misconfigured({ ALGORITHM, VERIFYING_KEY: file(`${pair}-public.pem`) })
    })

    it('refuses a SEC1 key of the wrong curve', async () => {
      await misconfigured({
        ALGORITHM: 'ES256',
        SIGNING_KEY: file('ec-p384-sec1.pem'),
        VERIFYING_KEY: file('ec-p256-public.pem'),
      })
    })

    it.each([
      ['a PKCS#8 private key', RSA_PRIVATE],
      ['a PKCS#1 private key', file('rsa-private-pkcs1.pem')],
    ])('refuses %s as VERIFYING_KEY', async (_, VERIFYING_KEY) => {
      await misconfigured({ ALGORITHM: 'RS256', SIGNING_KEY: RSA_PRIVATE, VERIFYING_KEY })
    })

    it('refuses an EC PRIVATE KEY as VERIFYING_KEY', async () => {
      const sec1 = file('ec-p256-sec1.pem')
      await misconfigured({ ALGORITHM: 'ES256', SIGNING_KEY: sec1, VERIFYING_KEY: sec1 })
    })

    it.each([
      ['a PEM public key', RSA_PUBLIC],
      ['an RSA PUBLIC KEY', file('rsa-public-pkcs1.pem')],
      ['a certificate', file('rsa-cert.pem')],
      ['a public JWK', jwk('rsa-public.jwk.json')],
      ['a public JWK JSON string', file('rsa-public.jwk.json')],
    ])('refuses %s as SIGNING_KEY', async (_, SIGNING_KEY) => {
      await misconfigured({ ALGORITHM: 'RS256', SIGNING_KEY, VERIFYING_KEY: RSA_PUBLIC })
    })

    it('refuses keys that are not a pair', async () => {
      const error = await misconfigured({
        ALGORITHM: 'RS256',
        SIGNING_KEY: RSA_PRIVATE,
        VERIFYING_KEY: file('rsa2-public.pem'),
      })
      expect(error.message).toBe('SIGNING_KEY and VERIFYING_KEY are not a key pair')
      await misconfigured({
        ALGORITHM: 'RS256',
        SIGNING_KEY: file('rsa2-private.pem'),
        VERIFYING_KEY: file('rsa-cert.pem'),
      })
    })

    it('refuses a JWK for another algorithm or for encryption', async () => {
      const privateJwk = jwk('rsa-private.jwk.json')
      await misconfigured(rs({ ...privateJwk, alg: 'RS384' }, RSA_PUBLIC))
      await misconfigured(rs(RSA_PRIVATE, { ...jwk('rsa-public.jwk.json'), alg: 'PS256' }))
      await misconfigured(rs({ ...privateJwk, use: 'enc' }, RSA_PUBLIC))
      await misconfigured(rs(RSA_PRIVATE, { ...jwk('rsa-public.jwk.json'), use: 'enc' }))
      await roundTrip(
        rs(
          { ...privateJwk, alg: 'RS256', use: 'sig' },
          { ...jwk('rsa-public.jwk.json'), alg: 'RS256' },
        ),
      )
    })

    it.each([
      ['a plain string', 'not a key at all, just a long enough string'],
      ['raw bytes', new Uint8Array(256)],
      ['an oct JWK', { kty: 'oct', k: Buffer.from('o'.repeat(32)).toString('base64url') }],
      [
        'a PEM with a broken body',
        '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      ],
      [
        'a PKCS#1 PEM with a broken body',
        '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n',
      ],
      [
        'an SEC1 PEM with a broken body',
        '-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n',
      ],
      ['an invalid JWK JSON string', '{"kty": "RSA", '],
      ['a JWK without members', { kty: 'RSA' }],
    ])('refuses %s as SIGNING_KEY, as a ConfigurationError', async (_, SIGNING_KEY) => {
      await misconfigured({
        ALGORITHM: 'RS256',
        SIGNING_KEY: SIGNING_KEY as KeyInput,
        VERIFYING_KEY: RSA_PUBLIC,
      })
    })
  })

  describe('algorithms', () => {
    it.each(['none', 'HS1024', 'hs256', 'RSA', '', 'ES256K'])('refuses %j', async (ALGORITHM) => {
      const error = await misconfigured({ ALGORITHM, SIGNING_KEY: 'x'.repeat(64) } as SettingsInput)
      expect(error.message).toMatch(/algorithm|ALGORITHM/)
    })
  })
})

function rs(SIGNING_KEY: KeyInput, VERIFYING_KEY: KeyInput): SettingsInput {
  return { ALGORITHM: 'RS256', SIGNING_KEY, VERIFYING_KEY }
}
