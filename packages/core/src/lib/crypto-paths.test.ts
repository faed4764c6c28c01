// Every algorithm on both paths: node:crypto (crypto-node, which signs and verifies every
// algorithm) and the path of runtimes other than Node (crypto-web: Web Crypto's HMAC, jose for the
// others). Each path verifies what the other signs, both verify the RFC examples, and both refuse
// the same hostile signatures with the same errors.
import { constants, createPrivateKey, sign as nodeSign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { CompactSign, compactVerify, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import * as nodeCrypto from './crypto-node'
import * as webCrypto from './crypto-web'
import { type CryptoRuntime, compactSigner, compactVerifier } from './jws'
import { ALGORITHMS, type Algorithm, type PreparedKeys, prepareKeys } from './keys'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const b64url = (data: string | Uint8Array) => Buffer.from(data).toString('base64url')
const file = (path: string) => readFileSync(new URL(`../../test/${path}`, import.meta.url), 'utf8')

const RSA = ['rsa-private.pem', 'rsa-public.pem'] as const
const KEY_FILES: Readonly<Record<Exclude<Algorithm, `HS${string}`>, readonly [string, string]>> = {
  RS256: RSA,
  RS384: RSA,
  RS512: RSA,
  PS256: RSA,
  PS384: RSA,
  PS512: RSA,
  ES256: ['ec-p256-private.pem', 'ec-p256-public.pem'],
  ES384: ['ec-p384-private.pem', 'ec-p384-public.pem'],
  ES512: ['ec-p521-private.pem', 'ec-p521-public.pem'],
  EdDSA: ['ed25519-private.pem', 'ed25519-public.pem'],
}

/** The keys of `algorithm` as the token backend gets them (`prepareKeys`, from the test PEMs). */
function keysOf(algorithm: Algorithm): Promise<PreparedKeys> {
  if (algorithm.startsWith('HS')) {
    const secret = 'simplejwt-crypto-paths-secret-'.repeat(3)
    return prepareKeys({ algorithm, signingKey: secret, verifyingKey: undefined, jwkUrl: null })
  }
  const [signing, verifying] = KEY_FILES[algorithm as keyof typeof KEY_FILES]
  return prepareKeys({
    algorithm,
    signingKey: file(`keys/${signing}`),
    verifyingKey: file(`keys/${verifying}`),
    jwkUrl: null,
  })
}

type Header = { alg: string } & Record<string, string>

/** How a token backend on `runtime` signs and verifies: the runtime's crypto, else jose. */
interface Path {
  readonly own: { readonly sign: boolean; readonly verify: boolean }
  sign(payload: Uint8Array, header?: Header): Promise<string>
  verify(jws: string): Promise<Uint8Array>
}

function pathOf(
  runtime: CryptoRuntime,
  algorithm: Algorithm,
  keys: { sign?: CryptoKey | undefined; verify: CryptoKey },
): Path {
  const verifier = compactVerifier(keys.verify, algorithm, runtime)
  const signers = new Map<string, ReturnType<typeof compactSigner>>()
  const signerOf = (header: Header) => {
    const id = JSON.stringify(header)
    if (!signers.has(id) && keys.sign !== undefined) {
      signers.set(id, compactSigner(keys.sign, algorithm, header, runtime))
    }
    return signers.get(id)
  }
  return {
    own: {
      sign: keys.sign !== undefined && signerOf({ alg: algorithm }) !== undefined,
      verify: verifier !== undefined,
    },
    async sign(payload, header = { alg: algorithm, typ: 'JWT' }) {
      const signer = signerOf(header)
      if (signer !== undefined) return signer(payload)
      if (keys.sign === undefined) throw new Error('no signing key')
      return new CompactSign(payload).setProtectedHeader(header).sign(keys.sign)
    },
    async verify(jws) {
      const result =
        verifier === undefined
          ? await compactVerify(jws, keys.verify, { algorithms: [algorithm] })
          : await verifier(jws)
      return result.payload
    },
  }
}

const RUNTIMES = { node: nodeCrypto, web: webCrypto } as const

async function paths(algorithm: Algorithm, keys?: PreparedKeys) {
  const prepared = keys ?? (await keysOf(algorithm))
  const own = { sign: prepared.sign, verify: prepared.verify as CryptoKey }
  return {
    node: pathOf(RUNTIMES.node, algorithm, own),
    web: pathOf(RUNTIMES.web, algorithm, own),
  }
}

/** What a verification comes to: the payload, or the error's class, code and message. */
async function verdict(verify: Promise<Uint8Array>): Promise<string> {
  try {
    return `payload ${decoder.decode(await verify)}`
  } catch (error) {
    const { name, message } = error as Error
    return `${name} ${(error as { code?: string }).code ?? ''}: ${message}`
  }
}

const PAYLOADS = [
  '{"token_type":"access","exp":2000000000,"iat":1999999000,"jti":"0123abcd","user_id":1}',
  '{}',
  '{"name":"\\u00e9\\u20ac","nested":{"list":[1,2,3]}}',
  'x'.repeat(2000),
  '',
]

// RSASSA-PKCS1-v1_5, Ed25519 and HMAC are deterministic; ECDSA and RSA-PSS are randomised.
const DETERMINISTIC = (algorithm: Algorithm) => /^(HS|RS|Ed)/.test(algorithm)

describe.each(ALGORITHMS)('%s', (algorithm) => {
  it('node:crypto signs and verifies it itself; elsewhere, only HMAC is not left to jose', async () => {
    const { node, web } = await paths(algorithm)
    expect(node.own).toEqual({ sign: true, verify: true })
    const hmac = algorithm.startsWith('HS')
    expect(web.own).toEqual({ sign: hmac, verify: hmac })
  })

  it('what one path signs, the other verifies (and deterministic signatures are the same bytes)', async () => {
    const { node, web } = await paths(algorithm)
    for (const text of PAYLOADS) {
      const payload = encoder.encode(text)
      const byNode = await node.sign(payload)
      const byWeb = await web.sign(payload)
      expect(decoder.decode(await web.verify(byNode))).toBe(text)
      expect(decoder.decode(await node.verify(byWeb))).toBe(text)
      expect(decoder.decode(await node.verify(byNode))).toBe(text)
      if (DETERMINISTIC(algorithm)) expect(byNode).toBe(byWeb)
      // The header and payload segments are the same bytes on both paths.
      expect(byNode.slice(0, byNode.lastIndexOf('.'))).toBe(byWeb.slice(0, byWeb.lastIndexOf('.')))
    }
  })

  it('refuses the same hostile signatures, with the same errors, on both paths', async () => {
    const { node, web } = await paths(algorithm)
    const token = await node.sign(encoder.encode(PAYLOADS[0] as string))
    const input = token.slice(0, token.lastIndexOf('.'))
    const signature = Buffer.from(token.slice(input.length + 1), 'base64url')
    const cases = hostileSignatures(algorithm, signature, input)
    expect(cases.length).toBeGreaterThan(5)
    for (const [name, bytes] of cases) {
      const jws = `${input}.${b64url(bytes)}`
      const expected = await verdict(web.verify(jws))
      expect(await verdict(node.verify(jws)), name).toBe(expected)
      // High S is the one signature of these that verifies, on both paths alike (above).
      if (name !== 'ECDSA high-S (n - s)') expect(expected, name).not.toMatch(/^payload/)
    }
  })

  it('refuses keys of every other algorithm as jose does, on both paths', async () => {
    const token = await (await paths(algorithm)).node.sign(encoder.encode('{"exp":2000000000}'))
    for (const other of ALGORITHMS) {
      if (other === algorithm) continue
      // `other`'s verifying key, used for `algorithm`: a key jose refuses, so jose keeps it.
      const keys = await keysOf(other)
      const verify = keys.verify as CryptoKey
      expect(compactVerifier(verify, algorithm, nodeCrypto)).toBeUndefined()
      expect(compactVerifier(verify, algorithm, webCrypto)).toBeUndefined()
      const { node, web } = await paths(algorithm, keys)
      const expected = await verdict(
        compactVerify(token, verify, { algorithms: [algorithm] }).then((r) => r.payload),
      )
      expect(expected).not.toMatch(/^payload/)
      expect(await verdict(node.verify(token))).toBe(expected)
      expect(await verdict(web.verify(token))).toBe(expected)
    }
  })
})

/** Signatures an attacker can send with `input`: malformed, out of range, or of another scheme. */
function hostileSignatures(
  algorithm: Algorithm,
  signature: Uint8Array,
  input: string,
): [string, Uint8Array][] {
  const size = signature.length
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one byte short', signature.subarray(0, size - 1)],
    ['one byte more', Buffer.concat([signature, Buffer.from([0])])],
    ['a zero byte first', Buffer.concat([Buffer.from([0]), signature])],
    ['twice', Buffer.concat([signature, signature])],
    ['all zero', new Uint8Array(size)],
    ['all 0xff', new Uint8Array(size).fill(0xff)],
    ['one bit flipped', flip(signature, size >> 1)],
    ['last bit flipped', flip(signature, size - 1)],
  ]
  if (algorithm.startsWith('ES')) {
    const half = size / 2
    const n = toBytes(CURVE_ORDERS[algorithm] as bigint, half)
    const r = signature.subarray(0, half)
    const s = signature.subarray(half)
    const sValue = BigInt(`0x${Buffer.from(s).toString('hex')}`)
    const zero = new Uint8Array(half)
    const key = createPrivateKey(file(`keys/${KEY_FILES[algorithm as 'ES256'][0]}`))
    const hash = `sha${algorithm.slice(2)}`
    cases.push(
      // CVE-2022-21449 ("psychic signatures"): r = s = 0 must never verify.
      ['ECDSA r = s = 0', Buffer.concat([zero, zero])],
      ['ECDSA r = 0', Buffer.concat([zero, s])],
      ['ECDSA s = 0', Buffer.concat([r, zero])],
      ['ECDSA r = n', Buffer.concat([n, s])],
      ['ECDSA s = n', Buffer.concat([r, n])],
      ['ECDSA r = s = n', Buffer.concat([n, n])],
      ['ECDSA s + n, in the bytes of s', Buffer.concat([r, toBytes(sValue + bigintOf(n), half)])],
      ['ECDSA DER instead of R || S', nodeSign(hash, Buffer.from(input), key)],
      ['ECDSA DER of the same r and s', derSignature(r, s)],
      ['ECDSA s and r swapped', Buffer.concat([s, r])],
      // Web Crypto (so jose) accepts the other signature of the pair, as ECDSA allows: no low-S rule.
      ['ECDSA high-S (n - s)', Buffer.concat([r, toBytes(bigintOf(n) - sValue, half)])],
    )
  }
  if (algorithm.startsWith('RS') || algorithm.startsWith('PS')) {
    const key = createPrivateKey(file('keys/rsa-private.pem'))
    const modulus = Buffer.from(key.export({ format: 'jwk' }).n as string, 'base64url')
    const hash = `sha${algorithm.slice(2)}`
    const pss = (saltLength: number) =>
      nodeSign(hash, Buffer.from(input), {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      })
    const hashBytes = Number(algorithm.slice(2)) / 8
    cases.push(
      ['RSA signature = modulus', modulus],
      ['RSA signature of SHA-1', nodeSign('sha1', Buffer.from(input), key)],
      ...((algorithm.startsWith('PS')
        ? [
            ['RSA PKCS#1 v1.5 signature', nodeSign(hash, Buffer.from(input), key)],
            ['RSA-PSS, salt of 0 bytes', pss(0)],
            ['RSA-PSS, salt longer than the hash', pss(hashBytes + 1)],
          ]
        : [['RSA-PSS signature', pss(hashBytes)]]) as [string, Uint8Array][]),
    )
  }
  if (algorithm === 'EdDSA') {
    // S + L: the same signature with S out of range (RFC 8032 requires S < L).
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const sLittle = Buffer.from(signature.subarray(32)).reverse()
    const sPlusL = toBytes(BigInt(`0x${sLittle.toString('hex')}`) + L, 32).reverse()
    cases.push(['Ed25519 S + L', Buffer.concat([signature.subarray(0, 32), sPlusL])])
  }
  return cases
}

const CURVE_ORDERS: Readonly<Record<string, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384:
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[at] = (copy[at] ?? 0) ^ 1
  return copy
}

const bigintOf = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)

/** `value` big-endian in `size` bytes; its low bytes when it does not fit. */
function toBytes(value: bigint, size: number): Uint8Array {
  const hex = value.toString(16).padStart(size * 2, '0')
  return Buffer.from(hex.slice(hex.length - size * 2), 'hex')
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, as X.509 carries it. */
function derSignature(r: Uint8Array, s: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0
    while (start < bytes.length - 1 && bytes[start] === 0) start++
    const body = Buffer.from(bytes.subarray(start))
    const value = (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body
    return Buffer.concat([Buffer.from([0x02, value.length]), value])
  }
  const body = Buffer.concat([integer(r), integer(s)])
  const length = body.length < 0x80 ? [body.length] : [0x81, body.length]
  return Buffer.concat([Buffer.from([0x30, ...length]), body])
}

interface Vector {
  alg: Algorithm
  jwk: JWK
  protectedHeader: string
  payload: string
  jws: string
}

const vectors = (name: string) =>
  Object.entries(JSON.parse(file(`vectors/${name}`)) as Record<string, Vector | string>).filter(
    (entry): entry is [string, Vector] => typeof entry[1] !== 'string',
  )

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi']
const publicPart = (jwk: JWK): JWK =>
  Object.fromEntries(Object.entries(jwk).filter(([member]) => !PRIVATE_MEMBERS.includes(member)))

const VECTORS = [
  ...vectors('rfc7515.json').map(([name, v]) => [`RFC 7515 ${name} (${v.alg})`, v] as const),
  ...vectors('rfc8037.json').map(([name, v]) => [`RFC 8037 ${name} (${v.alg})`, v] as const),
]

const vectorKeys = (vector: Vector) =>
  prepareKeys({
    algorithm: vector.alg,
    signingKey: vector.jwk,
    verifyingKey: vector.alg.startsWith('HS') ? undefined : publicPart(vector.jwk),
    jwkUrl: null,
  })

describe.each(VECTORS)('%s', (_, vector) => {
  it.each(Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[])(
    'verifies on the %s path; a changed signature does not',
    async (runtime) => {
      const path = (await paths(vector.alg, await vectorKeys(vector)))[runtime]
      expect(decoder.decode(await path.verify(vector.jws))).toBe(vector.payload)
      const at = vector.jws.lastIndexOf('.') + 1
      const changed = vector.jws[at] === 'A' ? 'B' : 'A'
      const altered = `${vector.jws.slice(0, at)}${changed}${vector.jws.slice(at + 1)}`
      expect(await verdict(path.verify(altered))).toMatch(/^JWSSignatureVerificationFailed/)
    },
  )
})

// A.1's header has line breaks that a signer writing JSON.stringify's bytes cannot reproduce.
it.each(VECTORS.filter(([, v]) => DETERMINISTIC(v.alg) && !v.protectedHeader.includes('\n')))(
  '%s: both paths sign the exact example (a deterministic algorithm)',
  async (_, vector) => {
    const { node, web } = await paths(vector.alg, await vectorKeys(vector))
    const header = JSON.parse(vector.protectedHeader) as Header
    expect(await node.sign(encoder.encode(vector.payload), header)).toBe(vector.jws)
    expect(await web.sign(encoder.encode(vector.payload), header)).toBe(vector.jws)
  },
)
