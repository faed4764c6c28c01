/**
 * Keys from the command line (`--key VALUE` or `--key @FILE`): what kind they are, which algorithm
 * they fit, and the SIGNING_KEY / VERIFYING_KEY settings the core is given. The core checks every
 * key again; a key is never printed, in an error or anywhere else.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { DjangoSettings } from '@simplejwt/core'
import { UsageError } from './io'

/** A key as the core takes it: a secret or PEM string, or a JWK. */
export type KeyValue = string | JsonWebKey

/** What a key is: an HMAC secret, or the public half's type (`rsa`, `ec`, `ed25519`, ...). */
export interface KeyKind {
  readonly secret: boolean
  readonly private: boolean
  /** node:crypto's asymmetric key type; undefined for secrets. */
  readonly type?: string
  /** The EC curve, as JOSE names it (`P-256`). */
  readonly curve?: string
}

/** Reads `--key`: the value itself, or the file named after `@`; a JWK when it is a JSON object. */
export async function readKey(value: string, option = '--key'): Promise<KeyValue> {
  let text = value
  if (value.startsWith('@')) {
    try {
      text = await readFile(value.slice(1), 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new UsageError(`${option}: cannot read the file ${value.slice(1)} (${code})`)
    }
    // A file written by an editor or `echo` ends with a newline that is not part of the secret.
    text = text.replace(/\r?\n$/, '')
  }
  if (text === '') throw new UsageError(`${option} is empty`)
  if (!text.trimStart().startsWith('{')) return text
  let jwk: unknown
  try {
    jwk = JSON.parse(text)
  } catch {
    throw new UsageError(`${option} starts with '{' but is not valid JSON (a JWK)`)
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || 'keys' in jwk) {
    throw new UsageError(`${option} must be one JWK (a JSON object with "kty"), not a JWK set`)
  }
  return jwk as JsonWebKey
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
}

function isPem(key: KeyValue): key is string {
  return typeof key === 'string' && key.trimStart().startsWith('-----BEGIN ')
}

function isPrivate(key: KeyValue): boolean {
  return typeof key === 'string' ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key) : 'd' in key
}

function publicKeyObject(key: KeyValue, option: string): KeyObject {
  try {
    return typeof key === 'string'
      ? createPublicKey(key)
      : createPublicKey({
          key: key as Parameters<typeof createPublicKey>[0] & JsonWebKey,
          format: 'jwk',
        })
  } catch {
    // node:crypto's reason names no key material, but says little; this says what to give.
    throw new UsageError(
      `${option} is not a key that can be read: give a PEM key (PKCS#8, PKCS#1, SEC1, SPKI), a JWK or an HMAC secret`,
    )
  }
}

/** What kind of key `key` is. */
export function keyKind(key: KeyValue, option = '--key'): KeyKind {
  if (typeof key !== 'string' && key.kty === 'oct') return { secret: true, private: true }
  if (typeof key === 'string' && !isPem(key)) return { secret: true, private: true }
  const object = publicKeyObject(key, option)
  const curve = object.asymmetricKeyDetails?.namedCurve
  return {
    secret: false,
    private: isPrivate(key),
    ...(object.asymmetricKeyType === undefined ? {} : { type: object.asymmetricKeyType }),
    ...(curve === undefined ? {} : { curve: CURVES[curve] ?? curve }),
  }
}

/**
 * The algorithm to use: `--alg`; else the JWK's `alg`; else the one the key fixes (an EC curve,
 * Ed25519); else, for RSA keys and secrets, `hint` (the token's own `alg`) when it is of the key's
 * family, or the family's first (RS256, HS256). A token never makes a key be used for another
 * family than its own.
 */
export function chooseAlgorithm(
  key: KeyValue,
  kind: KeyKind,
  explicit: string | undefined,
  hint?: unknown,
): string {
  if (explicit !== undefined) return explicit
  if (typeof key !== 'string' && typeof key['alg' as keyof JsonWebKey] === 'string') {
    return key['alg' as keyof JsonWebKey] as string
  }
  const hinted = typeof hint === 'string' ? hint : ''
  if (kind.secret) return /^HS(256|384|512)$/.test(hinted) ? hinted : 'HS256'
  if (kind.type === 'ec') {
    return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[kind.curve ?? ''] ?? 'ES256'
  }
  if (kind.type === 'ed25519' || kind.type === 'ed448') return 'EdDSA'
  return /^(RS|PS)(256|384|512)$/.test(hinted) ? hinted : 'RS256'
}

/** The public half of a private key, in the same form (PEM or JWK). */
function publicHalf(key: KeyValue, option: string): KeyValue {
  const object = publicKeyObject(key, option)
  if (typeof key === 'string') return object.export({ type: 'spki', format: 'pem' }) as string
  const { kid, alg, use } = key as JsonWebKey & { kid?: string; alg?: string; use?: string }
  return {
    ...object.export({ format: 'jwk' }),
    ...(kid === undefined ? {} : { kid }),
    ...(alg === undefined ? {} : { alg }),
    ...(use === undefined ? {} : { use }),
  }
}

/**
 * The key settings for signing (a secret, or a private key and its public half) or for verifying
 * (a secret, or a public key, taken from a private one when that is what was given).
 */
export function keySettings(
  key: KeyValue,
  kind: KeyKind,
  purpose: 'sign' | 'verify',
  algorithm: string,
  option = '--key',
): DjangoSettings {
  if (algorithm.startsWith('HS') && !kind.secret) {
    throw new UsageError(
      `${algorithm} needs a shared secret, but ${option} is a PEM or JWK key: a public key must never be used as an HMAC secret`,
    )
  }
  // JWKs are handed over as objects; the core's KeyInput type is jose's JWK, of the same shape.
  const input = (value: KeyValue) => value as NonNullable<DjangoSettings['SIGNING_KEY']>
  if (kind.secret) return { SIGNING_KEY: input(key) }
  if (purpose === 'verify') {
    return { VERIFYING_KEY: input(kind.private ? publicHalf(key, option) : key) }
  }
  if (!kind.private) {
    throw new UsageError(`${option} is a public key; signing needs the private key`)
  }
  return { SIGNING_KEY: input(key), VERIFYING_KEY: input(publicHalf(key, option)) }
}
