import { pbkdf2Sync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ValidationError } from './errors'
import * as nodeKdf from './lib/kdf-node'
import * as webKdf from './lib/kdf-web'
import {
  constantTimeEqual,
  DUMMY_PASSWORD_HASH,
  HASHING_LIMITS,
  hashingLimits,
  hashPassword,
  type KdfRuntime,
  MAX_PASSWORD_LENGTH,
  passwordHasher,
  verifyPassword,
} from './passwords'
import { Throttled } from './throttling'

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

describe('the two #kdf runtimes', () => {
  const runtimes = { 'node:crypto': nodeKdf, 'JavaScript and Web Crypto': webKdf } as const

  it('is node:crypto on Node, and the JavaScript one with SIMPLEJWT_CRYPTO=web', async () => {
    const resolved = await import('#kdf')
    // vitest.config.ts's switch to the modules other runtimes get.
    const web = [process.env['SIMPLEJWT_CRYPTO'], process.env['SIMPLEJWT_HMAC']].includes('web')
    const expected = web ? webKdf : nodeKdf
    expect(resolved.scryptKey).toBe(expected.scryptKey)
    expect(HASHING_LIMITS).toEqual(hashingLimits(expected.parallelism))
  })

  it('sizes the node:crypto queue to the thread pool (UV_THREADPOOL_SIZE, default 4)', () => {
    const size = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4)
    expect(nodeKdf.parallelism).toBe(size)
  })

  for (const [madeBy, made] of Object.entries(runtimes)) {
    for (const [checkedBy, checked] of Object.entries(runtimes)) {
      it(`verifies a hash made with ${madeBy} with ${checkedBy}`, async () => {
        const encoded = await passwordHasher(made).hashPassword('pässwörd 🔑')
        expect(encoded).toMatch(/^scrypt\$16384\$[A-Za-z0-9]{22}\$8\$1\$[A-Za-z0-9+/]{86}==$/)
        const { verifyPassword: verify } = passwordHasher(checked)
        expect(await verify('pässwörd 🔑', encoded)).toBe(true)
        expect(await verify('passwörd 🔑', encoded)).toBe(false)
      })
    }
    it(`verifies Django's PBKDF2 hashes with ${madeBy}`, async () => {
      const { verifyPassword: verify } = passwordHasher(made)
      expect(await verify('secret', DJANGO_PBKDF2)).toBe(true)
      expect(await verify('Secret', DJANGO_PBKDF2)).toBe(false)
      expect(await verify('pässwörd', DJANGO_PBKDF2_NON_ASCII)).toBe(true)
    })
    it(`derives the same bytes as the other runtime with ${madeBy}`, async () => {
      const salt = new TextEncoder().encode('NaCl')
      const password = new TextEncoder().encode('password')
      // RFC 7914, section 12: scrypt("password", "NaCl", N=1024, r=8, p=16, 64).
      const scrypt = await made.scryptKey(password, salt, {
        N: 1024,
        r: 8,
        p: 16,
        dkLen: 64,
        maxmem: 32 * 1024 * 1024,
      })
      expect(Buffer.from(scrypt).toString('hex')).toBe(
        'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
      )
      // RFC 7914, section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64), first 32 bytes.
      const pbkdf2 = await made.pbkdf2Sha256(
        new TextEncoder().encode('passwd'),
        new TextEncoder().encode('salt'),
        1,
        32,
      )
      expect(Buffer.from(pbkdf2).toString('hex')).toBe(
        '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc',
      )
    })
  }
})

/** A runtime whose derivations wait until released, counting calls and derivations at once. */
function heldRuntime(parallelism: number) {
  const held: Array<() => void> = []
  const stats = { calls: 0, active: 0, maxActive: 0 }
  const hold = <T>(work: () => Promise<T>): Promise<T> => {
    stats.calls++
    stats.active++
    stats.maxActive = Math.max(stats.maxActive, stats.active)
    return new Promise<void>((resolve) => held.push(resolve))
      .then(work)
      .finally(() => stats.active--)
  }
  const runtime: KdfRuntime = {
    parallelism,
    scryptKey: (...args) => hold(() => webKdf.scryptKey(...args)),
    pbkdf2Sha256: (...args) => hold(() => webKdf.pbkdf2Sha256(...args)),
  }
  const releaseAll = async () => {
    while (stats.calls === 0 || stats.active > 0 || held.length > 0) {
      held.shift()?.()
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
  }
  return { runtime, stats, releaseAll }
}

describe('hashes in flight', () => {
  // A cheap hash (1000 iterations), made by node:crypto's synchronous PBKDF2.
  const CHEAP = `pbkdf2_sha256$1000$salt$${pbkdf2Sync('secret', 'salt', 1000, 32, 'sha256').toString('base64')}`

  it('runs at most the runtime parallelism at once, queues 32 times that, and refuses beyond', async () => {
    const { runtime, stats, releaseAll } = heldRuntime(2)
    const { verifyPassword: verify } = passwordHasher(runtime)
    const limits = hashingLimits(2)
    expect(limits).toEqual({ running: 2, waiting: 64 })
    const accepted = Array.from({ length: limits.running + limits.waiting }, () =>
      verify('secret', CHEAP),
    )
    const refused = verify('secret', CHEAP)
    await expect(refused).rejects.toBeInstanceOf(Throttled)
    await expect(refused).rejects.toMatchObject({ code: 'throttled', wait: 1 })
    expect(stats.active).toBe(2)
    await releaseAll()
    expect(await Promise.all(accepted)).toEqual(accepted.map(() => true))
    expect(stats.maxActive).toBe(2)
    expect(stats.calls).toBe(66)
    // Once the line is empty, hashing is accepted again.
    const again = verify('secret', CHEAP)
    await releaseAll()
    expect(await again).toBe(true)
  })

  it('frees the slot of a derivation that fails', async () => {
    const failing: KdfRuntime = {
      parallelism: 1,
      scryptKey: () => Promise.reject(new Error('no memory')),
      pbkdf2Sha256: () => Promise.reject(new Error('no memory')),
    }
    const { verifyPassword: verify } = passwordHasher(failing)
    const results = await Promise.all(Array.from({ length: 33 }, () => verify('secret', CHEAP)))
    expect(results).toEqual(results.map(() => false))
    expect(await verify('secret', CHEAP)).toBe(false)
  })
})

describe('the password length bound', () => {
  const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1)

  it('is 4096 characters, counted as code points', async () => {
    expect(MAX_PASSWORD_LENGTH).toBe(4096)
    // 4096 emoji are 8192 UTF-16 code units and still within the bound.
    for (const password of ['x'.repeat(MAX_PASSWORD_LENGTH), '🔑'.repeat(MAX_PASSWORD_LENGTH)]) {
      const encoded = await hashPassword(password)
      expect(await verifyPassword(password, encoded)).toBe(true)
    }
  })

  it('refuses a longer password as a mismatch, without hashing it', async () => {
    const { runtime, stats } = heldRuntime(1)
    const { verifyPassword: verify } = passwordHasher(runtime)
    for (const password of [long, '🔑'.repeat(MAX_PASSWORD_LENGTH + 1), 'x'.repeat(1024 * 1024)]) {
      expect(await verify(password, DJANGO_PBKDF2)).toBe(false)
      expect(await verify(password, DUMMY_PASSWORD_HASH)).toBe(false)
    }
    expect(stats.calls).toBe(0)
  })

  it('is false for a longer password even when its first 4096 characters match', async () => {
    const encoded = await hashPassword('x'.repeat(MAX_PASSWORD_LENGTH))
    expect(await verifyPassword(long, encoded)).toBe(false)
  })

  it("refuses to hash a longer password with DRF's CharField(max_length) error", async () => {
    const error = await hashPassword(long).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toBe(
      'Ensure this field has no more than 4096 characters.',
    )
    expect(Object.keys((error as ValidationError).fields)).toEqual(['password'])
  })
})
