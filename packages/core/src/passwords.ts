import * as kdf from '#kdf'
import { message, ValidationError } from './errors'
import { Throttled } from './throttling'

/**
 * Password hashes in Django's own formats, so a user table can move between a Django backend and
 * this library: new hashes are `scrypt$N$salt$r$p$hash` (Django's ScryptPasswordHasher), and
 * `pbkdf2_sha256$iterations$salt$hash` (Django's default) is verified too.
 *
 * On Node the hashing runs on libuv's thread pool (node:crypto), elsewhere in JavaScript and Web
 * Crypto (`#kdf`); both write and read the same hashes. Hashes in flight are bounded (see
 * {@link HASHING_LIMITS}): beyond the bound a call throws {@link Throttled} (a 429).
 */

/** What the `#kdf` modules provide: the two key derivations and how many can run at once. */
export interface KdfRuntime {
  /** How many derivations run side by side (the thread pool's size on Node). */
  readonly parallelism: number
  scryptKey(
    password: Uint8Array,
    salt: Uint8Array,
    options: { N: number; r: number; p: number; dkLen: number; maxmem: number },
  ): Promise<Uint8Array>
  pbkdf2Sha256(
    password: Uint8Array,
    salt: Uint8Array,
    iterations: number,
    dkLen: number,
  ): Promise<Uint8Array>
}

/**
 * The longest password hashed, in characters (Unicode code points). Django sets no bound; one
 * here keeps a megabyte password from costing more than a usual login. A longer password never
 * matches; hashing one is refused as DRF's CharField(max_length) refuses it.
 */
export const MAX_PASSWORD_LENGTH = 4096

const SCRYPT = { N: 2 ** 14, r: 8, p: 1, dkLen: 64 } as const
const SALT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const encoder = new TextEncoder()

/** A hash whose check costs what a real one does, for users that do not exist. */
export const DUMMY_PASSWORD_HASH = `scrypt$${SCRYPT.N}$timingtimingtimingtimi$${SCRYPT.r}$${SCRYPT.p}$${'A'.repeat(86)}==`

/**
 * At most `running` tasks at once and `waiting` more in line; beyond that a task is refused with
 * {@link Throttled} at once, so a flood costs neither memory nor an unbounded wait.
 */
class HashQueue {
  readonly #running: number
  readonly #waiting: number
  #active = 0
  readonly #line: Array<() => void> = []

  constructor(running: number, waiting: number) {
    this.#running = running
    this.#waiting = waiting
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.#running) this.#active++
    else if (this.#line.length < this.#waiting) {
      // The finishing task hands its slot over, so no newcomer can take it in between.
      await new Promise<void>((resolve) => this.#line.push(resolve))
    } else {
      throw new Throttled(1)
    }
    try {
      return await task()
    } finally {
      const next = this.#line.shift()
      if (next === undefined) this.#active--
      else next()
    }
  }
}

/** Hashing and checking passwords on one `#kdf` runtime, with its own bound on work in flight. */
export interface PasswordHasher {
  /** Hashes a password with scrypt (N=2^14, r=8, p=1) and a random 22-character salt. */
  hashPassword(password: string): Promise<string>
  /**
   * Whether `password` matches `encoded`. The comparison takes the same time wherever the bytes
   * differ. An unknown or malformed hash, or a password longer than {@link MAX_PASSWORD_LENGTH},
   * is a mismatch, never an exception (but a full queue throws {@link Throttled}).
   */
  verifyPassword(password: string, encoded: string): Promise<boolean>
}

/** How many hashes run at once and how many may wait, for a runtime of `parallelism`. */
export function hashingLimits(parallelism: number): { running: number; waiting: number } {
  // About 1.5 s of waiting on a 4-thread pool at ~50 ms a hash: a flood waits briefly, then is
  // refused instead of queueing without end.
  return { running: parallelism, waiting: 32 * parallelism }
}

/** The bound on hashes in flight in this runtime. */
export const HASHING_LIMITS = hashingLimits(kdf.parallelism)

/** The hasher of `runtime` (the `#kdf` of the platform for the exported functions). */
export function passwordHasher(runtime: KdfRuntime): PasswordHasher {
  const limits = hashingLimits(runtime.parallelism)
  const queue = new HashQueue(limits.running, limits.waiting)

  async function derive(
    password: string,
    encoded: string,
  ): Promise<{ actual: Uint8Array; expected: Uint8Array } | null> {
    // Django derives a fixed length (64 bytes for scrypt, SHA-256's 32 for PBKDF2) and compares
    // the whole hash: deriving only as many bytes as the stored hash has would let an empty or
    // truncated hash match (almost) any password.
    const parts = encoded.split('$')
    const [algorithm] = parts
    let expected: Uint8Array
    let run: () => Promise<Uint8Array>
    if (algorithm === 'scrypt' && parts.length === 6) {
      const [, n, salt = '', r, p, hash = ''] = parts
      const options = { N: Number(n), r: Number(r), p: Number(p), dkLen: SCRYPT.dkLen }
      // Bounds keep a hostile hash in the store from making a check take minutes or gigabytes.
      const bounded = options.N <= 2 ** 20 && options.r <= 32 && options.p <= 16
      if (![options.N, options.r, options.p].every(Number.isSafeInteger) || !bounded) return null
      const decoded = fromBase64(hash)
      if (decoded === null) return null
      expected = decoded
      run = () =>
        runtime.scryptKey(encoder.encode(password), encoder.encode(salt), {
          ...options,
          maxmem: 128 * options.N * options.r * options.p + 1024 * 1024,
        })
    } else if (algorithm === 'pbkdf2_sha256' && parts.length === 4) {
      const [, iterations, salt = '', hash = ''] = parts
      const count = Number(iterations)
      if (!Number.isSafeInteger(count) || count < 1 || count > 10_000_000) return null
      const decoded = fromBase64(hash)
      if (decoded === null) return null
      expected = decoded
      run = () => runtime.pbkdf2Sha256(encoder.encode(password), encoder.encode(salt), count, 32)
    } else {
      return null
    }
    // Invalid parameters (N not a power of two, r = 0, ...) make the derivation fail: a mismatch.
    const actual = await queue.run(() => run().then(undefined, () => null))
    return actual === null ? null : { actual, expected }
  }

  return {
    async hashPassword(password) {
      if (!withinLength(password)) {
        throw new ValidationError({
          password: [
            message(
              'Ensure this field has no more than {max_length} characters.',
              String(MAX_PASSWORD_LENGTH),
            ),
          ],
        })
      }
      const salt = randomSalt(22)
      const hash = await queue.run(() =>
        runtime.scryptKey(encoder.encode(password), encoder.encode(salt), {
          ...SCRYPT,
          maxmem: 32 * 1024 * 1024,
        }),
      )
      return `scrypt$${SCRYPT.N}$${salt}$${SCRYPT.r}$${SCRYPT.p}$${toBase64(hash)}`
    },
    async verifyPassword(password, encoded) {
      if (!withinLength(password)) return false
      const derived = await derive(password, encoded)
      return derived !== null && constantTimeEqual(derived.actual, derived.expected)
    },
  }
}

const hasher = passwordHasher(kdf)

/** Hashes a password with scrypt (N=2^14, r=8, p=1) and a random 22-character salt. */
export const hashPassword: PasswordHasher['hashPassword'] = hasher.hashPassword

/**
 * Whether `password` matches `encoded`. The comparison takes the same time wherever the bytes
 * differ. An unknown or malformed hash, or a password longer than {@link MAX_PASSWORD_LENGTH},
 * is a mismatch, never an exception.
 */
export const verifyPassword: PasswordHasher['verifyPassword'] = hasher.verifyPassword

/** Compares two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i % b.length] ?? 0)
  return diff === 0
}

function withinLength(password: string): boolean {
  // Code points, as Python counts a str; only strings that could be too long are counted.
  if (password.length <= MAX_PASSWORD_LENGTH) return true
  if (password.length > 2 * MAX_PASSWORD_LENGTH) return false
  let count = 0
  for (const _ of password) count++
  return count <= MAX_PASSWORD_LENGTH
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

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}
