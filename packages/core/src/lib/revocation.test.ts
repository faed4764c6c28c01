import { createHash, createHmac, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../errors'
import type { Algorithm, KeyInput } from './keys'
import { RevokeTokenHash } from './revocation'

const key = (name: string) =>
  readFileSync(new URL(`../../test/keys/${name}`, import.meta.url), 'utf8')
const jwk = (name: string) => JSON.parse(key(name)) as Record<string, string>

const SECRET = 'revoke-token-hash-secret-0123456789abcdef'
const STAMP = 'scrypt$16384$saltsaltsaltsaltsaltsa$8$1$aGFzaA=='

const hashOf = async (algorithm: Algorithm, signingKey: KeyInput, stamp: string | null = STAMP) =>
  (await RevokeTokenHash.create({ algorithm, signingKey })).hash(stamp)

describe('RevokeTokenHash', () => {
  it('is HMAC-SHA-256 of the stamp under an HKDF-SHA-256 key from the HMAC secret, base64url', async () => {
    const derived = Buffer.from(
      hkdfSync('sha256', SECRET, Buffer.alloc(0), 'simplejwt REVOKE_TOKEN_CLAIM HMAC-SHA-256', 32),
    )
    const expected = createHmac('sha256', derived).update(STAMP).digest('base64url')
    expect(await hashOf('HS256', SECRET)).toBe(expected)
    expect(expected).toHaveLength(43)
  })

  it("is neither simplejwt 5.3's MD5 of the stamp nor a plain hash of it", async () => {
    const value = await hashOf('HS256', SECRET)
    expect(value).not.toBe(createHash('md5').update(STAMP).digest('hex').toUpperCase())
    expect(value).not.toBe(createHash('sha256').update(STAMP).digest('base64url'))
    expect(value).not.toContain(STAMP)
  })

  it('depends on the key and on the stamp; null hashes as the empty string', async () => {
    const a = await hashOf('HS256', SECRET)
    expect(await hashOf('HS256', `${SECRET}!`)).not.toBe(a)
    expect(await hashOf('HS256', SECRET, `${STAMP}x`)).not.toBe(a)
    expect(await hashOf('HS256', SECRET, null)).toBe(await hashOf('HS256', SECRET, ''))
  })

  it('takes the same secret from a string, its bytes, an oct JWK and an extractable CryptoKey', async () => {
    const bytes = new TextEncoder().encode(SECRET)
    const expected = await hashOf('HS256', SECRET)
    expect(await hashOf('HS256', bytes)).toBe(expected)
    expect(await hashOf('HS256', { kty: 'oct', k: Buffer.from(bytes).toString('base64url') })).toBe(
      expected,
    )
    const cryptoKey = await crypto.subtle.importKey(
      'raw',
      bytes,
      { name: 'HMAC', hash: 'SHA-256' },
      true,
      ['sign'],
    )
    expect(await hashOf('HS256', cryptoKey)).toBe(expected)
  })

  it.each([
    ['RS256', ['rsa-private.pem', 'rsa-private-pkcs1.pem', 'rsa-private.jwk.json']],
    ['ES256', ['ec-p256-private.pem', 'ec-p256-sec1.pem', 'ec-p256-private.jwk.json']],
    ['EdDSA', ['ed25519-private.pem', 'ed25519-private.jwk.json']],
  ] as const)(
    'gives one hash for a %s private key in each of its forms',
    async (algorithm, files) => {
      const hashes = new Set<string>()
      for (const file of files) {
        hashes.add(await hashOf(algorithm, key(file)))
        if (file.endsWith('.json')) hashes.add(await hashOf(algorithm, jwk(file)))
      }
      expect(hashes.size).toBe(1)
    },
  )

  it('derives different keys from different private keys', async () => {
    expect(await hashOf('ES256', key('ec-p256-private.pem'))).not.toBe(
      await hashOf('ES384', key('ec-p384-private.pem')),
    )
  })

  it('compares in constant time and refuses what is not a string', async () => {
    const hash = await RevokeTokenHash.create({ algorithm: 'HS256', signingKey: SECRET })
    const value = await hash.hash(STAMP)
    expect(await hash.matches(value, STAMP)).toBe(true)
    expect(await hash.matches(value, 'other')).toBe(false)
    expect(await hash.matches(`${value}A`, STAMP)).toBe(false)
    expect(await hash.matches(value.slice(1), STAMP)).toBe(false)
    for (const claim of [undefined, null, 42, [value], { value }]) {
      expect(await hash.matches(claim, STAMP)).toBe(false)
    }
  })

  it('refuses at start-up a key it cannot read the secret of', async () => {
    const create = (algorithm: Algorithm, signingKey: KeyInput | undefined) =>
      RevokeTokenHash.create({ algorithm, signingKey })
    await expect(create('RS256', undefined)).rejects.toThrow(/needs SIGNING_KEY/)
    const locked = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    await expect(create('HS256', locked)).rejects.toThrow(ConfigurationError)
    await expect(create('RS256', key('rsa-public.pem'))).rejects.toThrow(/cannot read the secret/)
    await expect(create('RS256', jwk('rsa-public.jwk.json'))).rejects.toThrow(ConfigurationError)
  })
})
