import {
  CompactSign,
  type CryptoKey,
  compactVerify,
  createRemoteJWKSet,
  importJWK,
  importPKCS8,
  importSPKI,
  importX509,
  type JWK,
} from 'jose'
import { ConfigurationError } from '../errors'
import { readTlv } from './der'

export const ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const

export type Algorithm = (typeof ALGORITHMS)[number]

/**
 * A key as settings accept it: for HMAC a secret (string, UTF-8 encoded, or bytes); for the other
 * algorithms a PEM string (PKCS#8, PKCS#1 RSA, SEC1 EC, SPKI or an X.509 certificate) or a JWK.
 * An already imported `CryptoKey` is accepted for both.
 */
export type KeyInput = string | Uint8Array | JWK | CryptoKey

/** What a token backend signs and verifies with, imported once at start-up. */
export interface PreparedKeys {
  readonly sign: CryptoKey | undefined
  readonly verify: CryptoKey | ReturnType<typeof createRemoteJWKSet>
  /** `kid` for the header of signed tokens, from a JWK signing key. */
  readonly kid: string | undefined
}

export interface KeySettings {
  readonly algorithm: Algorithm
  readonly signingKey: KeyInput | undefined
  readonly verifyingKey: KeyInput | undefined
  readonly jwkUrl: string | null
}

const isHmac = (alg: Algorithm) => alg.startsWith('HS')
export const isCryptoKey = (key: unknown): key is CryptoKey =>
  typeof key === 'object' && key !== null && 'algorithm' in key && 'type' in key && 'usages' in key
const isPem = (key: unknown): key is string =>
  typeof key === 'string' && key.trimStart().startsWith('-----BEGIN ')

/** Imports and checks the configured keys: each key is usable only for `algorithm`'s family. */
export async function prepareKeys(settings: KeySettings): Promise<PreparedKeys> {
  const { algorithm, signingKey, verifyingKey, jwkUrl } = settings
  if (isHmac(algorithm)) {
    if (signingKey === undefined) {
      throw new ConfigurationError(`SIGNING_KEY is required for ${algorithm} (the shared secret)`)
    }
    const key = await hmacKey(signingKey, algorithm)
    return { sign: key, verify: key, kid: jwkKid(signingKey) }
  }

  const sign =
    signingKey === undefined
      ? undefined
      : await asymmetricKey(signingKey, algorithm, 'private', 'SIGNING_KEY')
  if (jwkUrl !== null) {
    let url: URL
    try {
      url = new URL(jwkUrl)
    } catch (cause) {
      throw new ConfigurationError(`JWK_URL is not a URL: ${jwkUrl}`, { cause })
    }
    return {
      sign,
      verify: createRemoteJWKSet(url, {
        timeoutDuration: 5000,
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      }),
      kid: jwkKid(signingKey),
    }
  }
  if (verifyingKey === undefined) {
    throw new ConfigurationError(
      `${algorithm} needs VERIFYING_KEY (the public key) or JWK_URL to verify tokens`,
    )
  }
  const verify = await asymmetricKey(verifyingKey, algorithm, 'public', 'VERIFYING_KEY')
  if (sign !== undefined) await checkPair(sign, verify, algorithm)
  return { sign, verify, kid: jwkKid(signingKey) }
}

const HASH_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 }

async function hmacKey(input: KeyInput, algorithm: Algorithm): Promise<CryptoKey> {
  const hash = `SHA-${algorithm.slice(2)}`
  if (isCryptoKey(input)) {
    const alg = input.algorithm as { name: string; hash?: { name: string } }
    if (input.type !== 'secret' || alg.name !== 'HMAC' || alg.hash?.name !== hash) {
      throw new ConfigurationError(`SIGNING_KEY is not an HMAC ${hash} key, as ${algorithm} needs`)
    }
    return input
  }
  const notASecret = () =>
    new ConfigurationError(
      `${algorithm} needs a shared secret, but SIGNING_KEY is a PEM, SSH or JWK key: a public key must never be used as an HMAC secret`,
    )
  let bytes: Uint8Array
  if (typeof input === 'string') {
    if (looksAsymmetric(input) || looksLikeJwk(input)) throw notASecret()
    bytes = new TextEncoder().encode(input)
  } else if (input instanceof Uint8Array) {
    if (looksAsymmetric(new TextDecoder().decode(input))) throw notASecret()
    bytes = input
  } else {
    if (input.kty !== 'oct' || typeof input.k !== 'string') {
      throw new ConfigurationError(
        `${algorithm} needs a shared secret; SIGNING_KEY is a ${input.kty} JWK`,
      )
    }
    checkJwkUse(input, algorithm, 'SIGNING_KEY')
    bytes = (await exportRawSecret(input, algorithm)) as Uint8Array
  }
  const minimum = HASH_BYTES[algorithm] ?? 0
  if (bytes.length < minimum) {
    throw new ConfigurationError(
      `SIGNING_KEY is ${bytes.length} bytes; ${algorithm} needs at least ${minimum} (RFC 7518, section 3.2)`,
    )
  }
  return crypto.subtle.importKey(
    'raw',
    bytes as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash },
    false,
    ['sign', 'verify'],
  )
}

async function exportRawSecret(jwk: JWK, algorithm: Algorithm): Promise<Uint8Array> {
  const key = await importJWK({ ...jwk, ext: true }, algorithm)
  if (key instanceof Uint8Array) return key
  return new Uint8Array(await crypto.subtle.exportKey('raw', key))
}

/**
 * What PyJWT's HMAC `prepare_key` refuses as a secret: a PEM block anywhere in it, or an SSH
 * public key (`is_pem_format`, `is_ssh_key`).
 */
function looksAsymmetric(text: string): boolean {
  return (
    /-----BEGIN [A-Z0-9 ]+-----/.test(text) ||
    /ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)/.test(text) ||
    /^\S+-cert-v01@openssh\.com[ \t]+\S/.test(text)
  )
}

function looksLikeJwk(text: string): boolean {
  return text.trimStart().startsWith('{') && text.includes('"kty"')
}

function checkJwkUse(jwk: JWK, algorithm: Algorithm, name: string): void {
  if (jwk.alg !== undefined && jwk.alg !== algorithm) {
    throw new ConfigurationError(`${name} is a JWK for ${jwk.alg}, but ALGORITHM is ${algorithm}`)
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new ConfigurationError(`${name} is a JWK for use '${jwk.use}', not for signatures`)
  }
}

function jwkKid(input: KeyInput | undefined): string | undefined {
  if (typeof input === 'string' && looksLikeJwk(input)) return jwkKid(JSON.parse(input) as JWK)
  if (typeof input !== 'object' || input instanceof Uint8Array || isCryptoKey(input))
    return undefined
  return typeof input.kid === 'string' ? input.kid : undefined
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

async function asymmetricKey(
  input: KeyInput,
  algorithm: Algorithm,
  kind: 'private' | 'public',
  name: string,
): Promise<CryptoKey> {
  if (input instanceof Uint8Array) {
    throw new ConfigurationError(
      `${name} must be a PEM or JWK ${kind} key for ${algorithm}, not raw bytes`,
    )
  }
  if (isCryptoKey(input)) {
    if (input.type !== kind)
      throw new ConfigurationError(`${name} must be a ${kind} key; got a ${input.type} key`)
    return input
  }
  try {
    if (typeof input === 'string') {
      if (looksLikeJwk(input))
        return await asymmetricKey(JSON.parse(input) as JWK, algorithm, kind, name)
      if (!isPem(input)) {
        throw new ConfigurationError(
          `${name} must be a PEM or JWK ${kind} key for ${algorithm}; a plain string is an HMAC secret`,
        )
      }
      return await importPem(input, algorithm, kind, name)
    }
    if (input.kty === 'oct') {
      throw new ConfigurationError(
        `${name} is a shared secret (oct JWK); ${algorithm} needs a ${kind} key`,
      )
    }
    checkJwkUse(input, algorithm, name)
    const hasPrivate = typeof input.d === 'string'
    if (kind === 'private' && !hasPrivate) {
      throw new ConfigurationError(`${name} must be a private key; the JWK has no private part`)
    }
    // A private JWK given as VERIFYING_KEY is reduced to its public part.
    const jwk: JWK =
      kind === 'public' && hasPrivate
        ? Object.fromEntries(
            Object.entries(input).filter(
              ([k]) => !(PRIVATE_JWK_MEMBERS as readonly string[]).includes(k),
            ),
          )
        : input
    return (await importJWK(jwk, algorithm)) as CryptoKey
  } catch (cause) {
    if (cause instanceof ConfigurationError) throw cause
    throw new ConfigurationError(
      `${name} is not a usable ${kind} key for ${algorithm}: ${(cause as Error).message}`,
      {
        cause,
      },
    )
  }
}

async function importPem(
  pem: string,
  algorithm: Algorithm,
  kind: 'private' | 'public',
  name: string,
) {
  // jose wants the BEGIN line first, and Django settings often hold keys as """\n-----BEGIN ...""".
  const text = pem.trim()
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1] ?? ''
  const der = () => pemBody(text)
  switch (`${kind}:${label}`) {
    case 'private:PRIVATE KEY':
      return importPKCS8(text, algorithm)
    case 'private:RSA PRIVATE KEY':
      return importPKCS8(toPem('PRIVATE KEY', pkcs8(der(), RSA_ALGORITHM_ID)), algorithm)
    case 'private:EC PRIVATE KEY':
      return importPKCS8(toPem('PRIVATE KEY', pkcs8(der(), ecAlgorithmId(der()))), algorithm)
    case 'public:PUBLIC KEY':
      return importSPKI(text, algorithm)
    case 'public:RSA PUBLIC KEY':
      return importSPKI(toPem('PUBLIC KEY', spki(der(), RSA_ALGORITHM_ID)), algorithm)
    case 'public:CERTIFICATE':
      return importX509(text, algorithm)
    default:
      throw new ConfigurationError(
        `${name} must be a ${kind} key for ${algorithm}; got a PEM "${label}"`,
      )
  }
}

/** Signs and verifies a probe, so a signing key and a verifying key that are not a pair fail at start-up. */
async function checkPair(sign: CryptoKey, verify: CryptoKey, algorithm: Algorithm): Promise<void> {
  const probe = await new CompactSign(new Uint8Array([123, 125]))
    .setProtectedHeader({ alg: algorithm })
    .sign(sign)
  try {
    await compactVerify(probe, verify, { algorithms: [algorithm] })
  } catch (cause) {
    throw new ConfigurationError('SIGNING_KEY and VERIFYING_KEY are not a key pair', { cause })
  }
}

// Minimal DER, enough to wrap PKCS#1 and SEC1 keys (common in Django settings) as PKCS#8/SPKI.

const RSA_ALGORITHM_ID = der(0x30, [
  der(0x06, [new Uint8Array([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01])]),
  new Uint8Array([0x05, 0x00]),
])
const EC_PUBLIC_KEY_OID = der(0x06, [new Uint8Array([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01])])

function der(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0)
  return new Uint8Array([tag, ...encodeLength(length), ...parts.flatMap((p) => [...p])])
}

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n]
  const bytes: number[] = []
  for (; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return [0x80 | bytes.length, ...bytes]
}

function pkcs8(key: Uint8Array, algorithmId: Uint8Array): Uint8Array {
  return der(0x30, [new Uint8Array([0x02, 0x01, 0x00]), algorithmId, der(0x04, [key])])
}

function spki(key: Uint8Array, algorithmId: Uint8Array): Uint8Array {
  return der(0x30, [algorithmId, der(0x03, [new Uint8Array([0]), key])])
}

/** The curve of a SEC1 `ECPrivateKey`, from its `[0] parameters` field. */
function ecAlgorithmId(sec1: Uint8Array): Uint8Array {
  const outer = readTlv(sec1, 0)
  for (let at = outer.start; at < outer.end; ) {
    const field = readTlv(sec1, at)
    if (field.tag === 0xa0)
      return der(0x30, [EC_PUBLIC_KEY_OID, sec1.slice(field.start, field.end)])
    at = field.end
  }
  throw new ConfigurationError('EC PRIVATE KEY has no curve parameters; convert it to PKCS#8')
}

function pemBody(pem: string): Uint8Array {
  const base64 = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '')
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
}

function toPem(label: string, bytes: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...bytes))
  return `-----BEGIN ${label}-----\n${base64.replace(/.{64}/g, '$&\n')}\n-----END ${label}-----`
}
