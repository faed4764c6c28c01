import { base64url, exportJWK, importPKCS8, type JWK } from 'jose'
import { ConfigurationError } from '../errors'
import { constantTimeEqual } from '../passwords'
import { readTlv } from './der'
import { type Algorithm, isCryptoKey, type KeyInput } from './keys'

const encoder = new TextEncoder()
// HKDF's `info`: a key derived for this purpose is useless for any other.
const INFO = encoder.encode('simplejwt REVOKE_TOKEN_CLAIM HMAC-SHA-256')

/**
 * The keyed hash that CHECK_REVOKE_TOKEN writes into REVOKE_TOKEN_CLAIM: base64url of
 * HMAC-SHA-256 over the user's revocation stamp (the password hash), under a key derived with
 * HKDF-SHA-256 from SIGNING_KEY's secret: an HMAC secret's bytes, or a private key's private part
 * (the JWK `d`, whatever form the key was given in). simplejwt 5.3 writes the MD5 of the
 * password hash instead, which anyone holding a token can read and compare across tokens.
 */
export class RevokeTokenHash {
  readonly #key: CryptoKey

  private constructor(key: CryptoKey) {
    this.#key = key
  }

  /** Derives the key; a SIGNING_KEY it cannot read the secret of is a ConfigurationError. */
  static async create(settings: {
    readonly algorithm: Algorithm
    readonly signingKey: KeyInput | undefined
  }): Promise<RevokeTokenHash> {
    const secret = await signingSecret(settings.algorithm, settings.signingKey)
    const material = await crypto.subtle.importKey(
      'raw',
      secret as Uint8Array<ArrayBuffer>,
      'HKDF',
      false,
      ['deriveKey'],
    )
    const key = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: INFO },
      material,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    )
    return new RevokeTokenHash(key)
  }

  /** The claim's value for a user whose stamp is `stamp` (null hashes as the empty string). */
  async hash(stamp: string | null): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', this.#key, encoder.encode(stamp ?? ''))
    return base64url.encode(new Uint8Array(mac))
  }

  /** Whether `claim` is the hash of `stamp`, compared in constant time. */
  async matches(claim: unknown, stamp: string | null): Promise<boolean> {
    if (typeof claim !== 'string') return false
    return constantTimeEqual(encoder.encode(claim), encoder.encode(await this.hash(stamp)))
  }
}

async function signingSecret(algorithm: Algorithm, key: KeyInput | undefined): Promise<Uint8Array> {
  if (key === undefined) {
    throw new ConfigurationError(
      'CHECK_REVOKE_TOKEN needs SIGNING_KEY: the key of its hash is derived from it',
    )
  }
  const unreadable = (cause?: unknown) =>
    new ConfigurationError(
      'CHECK_REVOKE_TOKEN cannot read the secret of SIGNING_KEY to derive its hash key: give the key as bytes, PEM or JWK, or as an extractable CryptoKey',
      { cause },
    )
  try {
    if (isCryptoKey(key)) {
      if (!key.extractable) throw unreadable()
      if (key.type === 'secret') return new Uint8Array(await crypto.subtle.exportKey('raw', key))
      return privatePart(await crypto.subtle.exportKey('jwk', key))
    }
    if (algorithm.startsWith('HS')) {
      if (typeof key === 'string') return encoder.encode(key)
      if (key instanceof Uint8Array) return key
      if (typeof key.k === 'string') return base64url.decode(key.k)
      throw unreadable()
    }
    if (key instanceof Uint8Array) throw unreadable()
    if (typeof key !== 'string') return privatePart(key)
    const text = key.trim()
    if (text.startsWith('{')) return privatePart(JSON.parse(text) as JWK)
    return await pemPrivatePart(text, algorithm)
  } catch (cause) {
    if (cause instanceof ConfigurationError) throw cause
    throw unreadable(cause)
  }
}

function privatePart(jwk: JWK): Uint8Array {
  if (typeof jwk.d !== 'string') throw new Error('the key has no private part')
  return base64url.decode(jwk.d)
}

/**
 * The private part of a PEM private key, as its JWK `d` would hold it: PKCS#1 and SEC1 keys are
 * read directly, so a key gives the same secret in each of its forms.
 */
async function pemPrivatePart(pem: string, algorithm: Algorithm): Promise<Uint8Array> {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1]
  if (label === 'PRIVATE KEY') {
    return privatePart(await exportJWK(await importPKCS8(pem, algorithm, { extractable: true })))
  }
  const body = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '')
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
  const fields = sequenceFields(der)
  // RSAPrivateKey: version, n, e, d, ...; the INTEGER's leading zero bytes are not part of `d`.
  if (label === 'RSA PRIVATE KEY' && fields[3] !== undefined) {
    const d = fields[3]
    let start = 0
    while (start < d.length - 1 && d[start] === 0) start++
    return d.slice(start)
  }
  // ECPrivateKey: version, privateKey (OCTET STRING, the curve's length), ...
  if (label === 'EC PRIVATE KEY' && fields[1] !== undefined) return fields[1]
  throw new Error(`not a private key PEM: ${label ?? 'no label'}`)
}

/** The contents of each field of the DER SEQUENCE `der`. */
function sequenceFields(der: Uint8Array): Uint8Array[] {
  const outer = readTlv(der, 0)
  if (der[0] !== 0x30) throw new Error('not a DER SEQUENCE')
  const fields: Uint8Array[] = []
  for (let at = outer.start; at < outer.end; ) {
    const field = readTlv(der, at)
    fields.push(der.slice(field.start, field.end))
    at = field.end
  }
  return fields
}
