import { scryptAsync } from '@noble/hashes/scrypt.js'

/**
 * Password hashes in Django's own formats, so a user table can move between a Django backend and
 * this library: new hashes are `scrypt$N$salt$r$p$hash` (Django's ScryptPasswordHasher), and
 * `pbkdf2_sha256$iterations$salt$hash` (Django's default) is verified too.
 */

const SCRYPT = { N: 2 ** 14, r: 8, p: 1, dkLen: 64 } as const
const SALT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const encoder = new TextEncoder()

/** Hashes a password with scrypt (N=2^14, r=8, p=1) and a random 22-character salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomSalt(22)
  const hash = await scryptAsync(encoder.encode(password), encoder.encode(salt), SCRYPT)
  return `scrypt$${SCRYPT.N}$${salt}$${SCRYPT.r}$${SCRYPT.p}$${toBase64(hash)}`
}

/**
 * Whether `password` matches `encoded`. The comparison takes the same time wherever the bytes
 * differ. An unknown or malformed hash is a mismatch, never an exception.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const derived = await derive(password, encoded)
  return derived !== null && constantTimeEqual(derived.actual, derived.expected)
}

/** A hash whose check costs what a real one does, for users that do not exist. */
export const DUMMY_PASSWORD_HASH = `scrypt$${SCRYPT.N}$timingtimingtimingtimi$${SCRYPT.r}$${SCRYPT.p}$${'A'.repeat(86)}==`

async function derive(
  password: string,
  encoded: string,
): Promise<{ actual: Uint8Array; expected: Uint8Array } | null> {
  // Django derives a fixed length (64 bytes for scrypt, SHA-256's 32 for PBKDF2) and compares the
  // whole hash: deriving only as many bytes as the stored hash has would let an empty or truncated
  // hash match (almost) any password.
  const parts = encoded.split('$')
  const [algorithm] = parts
  try {
    if (algorithm === 'scrypt' && parts.length === 6) {
      const [, n, salt = '', r, p, hash = ''] = parts
      const expected = fromBase64(hash)
      const options = { N: Number(n), r: Number(r), p: Number(p), dkLen: SCRYPT.dkLen }
      // Bounds keep a hostile hash in the store from making a check take minutes or gigabytes.
      const bounded = options.N <= 2 ** 20 && options.r <= 32 && options.p <= 16
      if (![options.N, options.r, options.p].every(Number.isSafeInteger) || !bounded) return null
      const actual = await scryptAsync(encoder.encode(password), encoder.encode(salt), {
        ...options,
        maxmem: 128 * options.N * options.r * options.p + 1024 * 1024,
      })
      return { actual, expected }
    }
    if (algorithm === 'pbkdf2_sha256' && parts.length === 4) {
      const [, iterations, salt = '', hash = ''] = parts
      const expected = fromBase64(hash)
      const count = Number(iterations)
      if (!Number.isSafeInteger(count) || count < 1 || count > 10_000_000) return null
      const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, [
        'deriveBits',
      ])
      const bits = await crypto.subtle.deriveBits(
        { name: 'PBKDF2', hash: 'SHA-256', salt: encoder.encode(salt), iterations: count },
        key,
        256,
      )
      return { actual: new Uint8Array(bits), expected }
    }
  } catch {
    return null
  }
  return null
}

/** Compares two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i % b.length] ?? 0)
  return diff === 0
}

function randomSalt(length: number): string {
  // 62 * 4 = 248 < 256: rejecting bytes >= 248 keeps every character equally likely.
  let salt = ''
  while (salt.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < 248 && salt.length < length) salt += SALT_ALPHABET[byte % 62]
    }
  }
  return salt
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}
