/** `keygen`: a new signing key for an algorithm, as PEM or JWK. */
import {
  createHash,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import { UsageError } from './io'

/** A generated key: the private (or secret) half, and the public half for asymmetric ones. */
export interface GeneratedKey {
  readonly alg: string
  readonly kid: string | undefined
  readonly format: 'pem' | 'jwk'
  /** An HMAC secret (text), a PKCS#8 PEM, or a private JWK. */
  readonly private: string | JsonWebKey
  /** The SPKI PEM or public JWK; null for HMAC secrets. */
  readonly public: string | JsonWebKey | null
}

export interface KeygenOptions {
  readonly alg: string
  /** `kid` written into JWKs. Default: the RFC 7638 thumbprint of the public JWK. */
  readonly kid?: string | undefined
  readonly format?: 'pem' | 'jwk'
  /** How an HMAC secret is written in PEM format: base64url (default) or hex. */
  readonly encoding?: 'base64url' | 'hex'
}

/** RFC 7518 §3.2: an HMAC key as long as the hash. */
const SECRET_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 }

type Pair = { privateKey: KeyObject; publicKey: KeyObject }
// RSA at 2048 bits, the size RFC 7518 requires at least; EC on the curve each ES* names.
const PAIRS: Readonly<Record<string, () => Pair>> = {
  RS: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
}
export const KEYGEN_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** RFC 7638: the SHA-256 of the required members, in order, as base64url. */
export function thumbprint(jwk: JsonWebKey): string {
  const members: Record<string, readonly string[]> = {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    oct: ['k', 'kty'],
  }
  const names = members[jwk.kty ?? ''] ?? []
  const canonical = JSON.stringify(
    Object.fromEntries(names.map((n) => [n, jwk[n as keyof JsonWebKey]])),
  )
  return createHash('sha256').update(canonical).digest('base64url')
}

/** A new key for `options.alg`. */
export function generateKey(options: KeygenOptions): GeneratedKey {
  const { alg, format = 'pem' } = options
  if (!(KEYGEN_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new UsageError(`--alg must be one of ${KEYGEN_ALGORITHMS.join(', ')}; got '${alg}'`)
  }
  const bytes = SECRET_BYTES[alg]
  if (bytes !== undefined) {
    const secret = randomBytes(bytes)
    if (format === 'pem') {
      return {
        alg,
        kid: options.kid,
        format,
        private: secret.toString(options.encoding ?? 'base64url'),
        public: null,
      }
    }
    const jwk: JsonWebKey = { kty: 'oct', k: secret.toString('base64url') }
    const kid = options.kid ?? thumbprint(jwk)
    return { alg, kid, format, private: sig(jwk, alg, kid), public: null }
  }
  const make = (PAIRS[alg] ?? PAIRS[alg.slice(0, 2)]) as () => Pair
  const { privateKey, publicKey } = make()
  if (format === 'pem') {
    return {
      alg,
      kid: options.kid,
      format,
      private: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      public: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    }
  }
  const pub = publicKey.export({ format: 'jwk' })
  const kid = options.kid ?? thumbprint(pub)
  return {
    alg,
    kid,
    format,
    private: sig(privateKey.export({ format: 'jwk' }), alg, kid),
    public: sig(pub, alg, kid),
  }
}

/** A JWK marked for signatures with one algorithm, under its id. */
function sig(jwk: JsonWebKey, alg: string, kid: string): JsonWebKey {
  return { ...jwk, kid, alg, use: 'sig' }
}
