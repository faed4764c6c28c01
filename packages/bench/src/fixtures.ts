import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto'

/** The contract's secret key (the reference's default SIGNING_KEY). */
export const SECRET = 'contract-secret-key-0123456789abcdef'

export const ALGORITHMS = [
  'HS256',
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
export type BenchAlgorithm = (typeof ALGORITHMS)[number]

/** The keys of one algorithm in the forms the libraries take. */
export interface Keys {
  readonly algorithm: BenchAlgorithm
  /** The HMAC secret, or the private key as PKCS#8 PEM. */
  readonly signing: string
  /** The HMAC secret, or the public key as SPKI PEM. */
  readonly verifying: string
  readonly signingKey: KeyObject | undefined
  readonly verifyingKey: KeyObject | undefined
}

const CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

/** Keys made for this run: nothing secret is kept in the repository. */
export function makeKeys(algorithm: BenchAlgorithm): Keys {
  if (algorithm === 'HS256') {
    return {
      algorithm,
      signing: SECRET,
      verifying: SECRET,
      signingKey: undefined,
      verifyingKey: undefined,
    }
  }
  const pair =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm.startsWith('ES')
        ? generateKeyPairSync('ec', { namedCurve: CURVES[algorithm] ?? '' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    algorithm,
    signing: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    verifying: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    signingKey: pair.privateKey,
    verifyingKey: pair.publicKey,
  }
}

/** The claims of a simplejwt access token of user 1, valid for an hour from `now` (ms). */
export function accessClaims(now = Date.now(), userId = 1): Record<string, unknown> {
  const iat = Math.floor(now / 1000)
  return {
    token_type: 'access',
    exp: iat + 3600,
    iat,
    jti: randomBytes(16).toString('hex'),
    user_id: userId,
  }
}
