import { describe, expect, it } from 'vitest'
import { constantTimeEqual, DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords'

// Made once with Django 3.2's make_password (/usr/bin/python3 -c "import django; from django.conf
// import settings; settings.configure(); from django.contrib.auth.hashers import make_password;
// print(make_password('secret'))"). Django 3.2 has no ScryptPasswordHasher, so there is no Django
// scrypt hash to check against.
const DJANGO_PBKDF2 =
  'pbkdf2_sha256$260000$AUnVmthvN9dv4U44yMMRpS$SzO9rREkkeix6/7O0lFutCF2nrlgpPTX9epQeF7diRU='
// make_password('pässwörd'): the password is UTF-8 encoded.
const DJANGO_PBKDF2_NON_ASCII =
  'pbkdf2_sha256$260000$IE5vNWi0eKMGIKZTp1ydER$tLZnnhj+onQ8RyD34nxTKalMUNdwkZhWO+mMDnnI2dQ='

describe('hashPassword', () => {
  it("writes Django's scrypt format: N=2^14, a 22-character salt, r=8, p=1, 64 bytes", async () => {
    const encoded = await hashPassword('secret')
    expect(encoded).toMatch(/^scrypt\$16384\$[A-Za-z0-9]{22}\$8\$1\$[A-Za-z0-9+/]{86}==$/)
    const hash = encoded.split('$')[5] ?? ''
    expect(Buffer.from(hash, 'base64')).toHaveLength(64)
  })

  it('uses a new salt each time', async () => {
    const [a, b] = await Promise.all([hashPassword('secret'), hashPassword('secret')])
    expect(a).not.toBe(b)
    expect(a?.split('$')[2]).not.toBe(b?.split('$')[2])
  })
})

describe('verifyPassword', () => {
  it('accepts the password and refuses others', async () => {
    const encoded = await hashPassword('correct horse')
    expect(await verifyPassword('correct horse', encoded)).toBe(true)
    expect(await verifyPassword('correct horse ', encoded)).toBe(false)
    expect(await verifyPassword('Correct horse', encoded)).toBe(false)
    expect(await verifyPassword('', encoded)).toBe(false)
  })

  it('handles non-ASCII and empty passwords', async () => {
    const encoded = await hashPassword('pässwörd 🔑')
    expect(await verifyPassword('pässwörd 🔑', encoded)).toBe(true)
    expect(await verifyPassword('passwort 🔑', encoded)).toBe(false)
    const empty = await hashPassword('')
    expect(await verifyPassword('', empty)).toBe(true)
    expect(await verifyPassword(' ', empty)).toBe(false)
  })

  it("verifies Django's pbkdf2_sha256 hashes", async () => {
    expect(await verifyPassword('secret', DJANGO_PBKDF2)).toBe(true)
    expect(await verifyPassword('Secret', DJANGO_PBKDF2)).toBe(false)
    expect(await verifyPassword('pässwörd', DJANGO_PBKDF2_NON_ASCII)).toBe(true)
    expect(await verifyPassword('passwörd', DJANGO_PBKDF2_NON_ASCII)).toBe(false)
  })

  it('matches no password against the dummy hash', async () => {
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false)
    expect(await verifyPassword('timing', DUMMY_PASSWORD_HASH)).toBe(false)
  })

  it.each([
    ['empty', ''],
    ['no algorithm', 'secret'],
    ['an unknown algorithm', 'md5$salt$5ebe2294ecd0e0f08eab7690d2a6ee69'],
    ['argon2', 'argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA'],
    ['scrypt with a part missing', 'scrypt$16384$salt$8$1'],
    ['scrypt with a part too many', 'scrypt$16384$salt$8$1$AAAA$AAAA'],
    ['scrypt with N not a number', 'scrypt$abc$salt$8$1$AAAA'],
    ['scrypt with N = 1', 'scrypt$1$salt$8$1$AAAA'],
    ['scrypt with N not a power of two', 'scrypt$1000$salt$8$1$AAAA'],
    ['scrypt with N too large', 'scrypt$2097152$salt$8$1$AAAA'],
    ['scrypt with r = 0', 'scrypt$16384$salt$0$1$AAAA'],
    ['scrypt with p = 0', 'scrypt$16384$salt$8$0$AAAA'],
    ['scrypt with a huge r (a check would take minutes)', 'scrypt$16384$salt$4096$1$AAAA'],
    ['scrypt with a huge p', 'scrypt$16384$salt$8$1000000$AAAA'],
    ['scrypt with negative N', 'scrypt$-16384$salt$8$1$AAAA'],
    ['scrypt with a hash that is not base64', 'scrypt$16384$salt$8$1$!!!not base64!!!'],
    ['scrypt with an empty hash', 'scrypt$16384$salt$8$1$'],
    ['pbkdf2 with a part missing', 'pbkdf2_sha256$260000$salt'],
    ['pbkdf2 with zero iterations', 'pbkdf2_sha256$0$salt$AAAA'],
    ['pbkdf2 with iterations not a number', 'pbkdf2_sha256$many$salt$AAAA'],
    ['pbkdf2 with too many iterations', 'pbkdf2_sha256$100000000$salt$AAAA'],
    ['pbkdf2 with a hash that is not base64', 'pbkdf2_sha256$1000$salt$!!!'],
    ['pbkdf2 with an empty hash', 'pbkdf2_sha256$1000$salt$'],
    ['pbkdf2_sha1', 'pbkdf2_sha1$1000$salt$AAAA'],
  ])('is false, without throwing, for a hash that is %s', async (_, encoded) => {
    for (const password of ['', 'secret', 'anything']) {
      await expect(verifyPassword(password, encoded)).resolves.toBe(false)
    }
  })

  it("is false for a truncated or extended hash, as Django's full-length comparison is", async () => {
    const encoded = await hashPassword('secret')
    const prefix = encoded.slice(0, encoded.lastIndexOf('$') + 1)
    const hash = Buffer.from(encoded.slice(encoded.lastIndexOf('$') + 1), 'base64')
    for (const bytes of [
      hash.subarray(0, 1),
      hash.subarray(0, 32),
      Buffer.concat([hash, Buffer.from([0])]),
    ]) {
      expect(await verifyPassword('secret', `${prefix}${bytes.toString('base64')}`)).toBe(false)
    }
    const djangoPrefix = DJANGO_PBKDF2.slice(0, DJANGO_PBKDF2.lastIndexOf('$') + 1)
    const djangoHash = Buffer.from(
      DJANGO_PBKDF2.slice(DJANGO_PBKDF2.lastIndexOf('$') + 1),
      'base64',
    )
    expect(
      await verifyPassword(
        'secret',
        `${djangoPrefix}${djangoHash.subarray(0, 1).toString('base64')}`,
      ),
    ).toBe(false)
  })
})

describe('constantTimeEqual', () => {
  const bytes = (...values: number[]) => new Uint8Array(values)

  it('is true only for the same bytes', () => {
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true)
    expect(constantTimeEqual(bytes(), bytes())).toBe(true)
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false)
    expect(constantTimeEqual(bytes(0, 2, 3), bytes(1, 2, 3))).toBe(false)
  })

  it('is false for different lengths, whichever is longer', () => {
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false)
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false)
    expect(constantTimeEqual(bytes(), bytes(0))).toBe(false)
    expect(constantTimeEqual(bytes(0), bytes())).toBe(false)
    // A prefix repeated is not the same bytes.
    expect(constantTimeEqual(bytes(1, 1), bytes(1))).toBe(false)
  })
})
