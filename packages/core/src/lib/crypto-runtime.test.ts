// Both branches of `#crypto`, imported directly: crypto-web is what runtimes other than Node get.
import { createHmac } from 'node:crypto'
import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import * as active from '#crypto'
import * as nodeCrypto from './crypto-node'
import * as webCrypto from './crypto-web'
import type { CryptoRuntime } from './jws'

const SECRET = 'simplejwt-hmac-test-secret-of-32+bytes!'
const INPUT = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9'

const importKey = (hash: string) =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash }, false, [
    'sign',
    'verify',
  ])

/** jose's decoding, as a verdict: the bytes in hex, or 'throws'. */
function decoded(decode: (text: string) => Uint8Array, text: string): string {
  try {
    return Buffer.from(decode(text)).toString('hex')
  } catch {
    return 'throws'
  }
}

const SEGMENTS = [
  '',
  'A',
  'AA',
  'AAA',
  'AAAA',
  'AB',
  'AQ',
  'AR',
  'AQ=',
  'AQ==',
  'AQ===',
  'AQI',
  'AQI=',
  'AQI==',
  'AQID',
  'AQID=',
  '====',
  '=',
  '-_-_',
  '+/+/',
  'ab+c',
  'ab/c',
  'a.bc',
  'abc!',
  'é',
  'eyJhbGciOiJIUzI1NiJ9',
  'eyJhbGciOiJIUzI1NiJ9=',
  'eyJleHAiOjF9',
  'eyJleHAiOjF9==',
  'A'.repeat(300),
  `${'A'.repeat(299)}B`,
]

describe.each([
  ['crypto-node', nodeCrypto],
  ['crypto-web', webCrypto],
] as [string, CryptoRuntime][])('%s', (_, runtime) => {
  it('decodes base64url exactly as jose does (padding, lengths, alphabet, unused bits)', () => {
    for (const segment of SEGMENTS) {
      expect([segment, decoded(runtime.decodeBase64url, segment)]).toEqual([
        segment,
        decoded(base64url.decode, segment),
      ])
    }
  })

  it('encodes base64url exactly as jose does', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff)
      expect(runtime.encodeBase64url(bytes)).toBe(base64url.encode(bytes))
      // A view into a larger buffer encodes only its own bytes.
      const view = new Uint8Array(new Uint8Array(length + 8).fill(0xff).buffer, 4, length)
      view.set(bytes)
      expect(runtime.encodeBase64url(view)).toBe(base64url.encode(bytes))
    }
  })

  it.each([
    ['HS256', 'SHA-256', 'sha256'],
    ['HS384', 'SHA-384', 'sha384'],
    ['HS512', 'SHA-512', 'sha512'],
  ] as const)('%s: signs as node:crypto does', async (algorithm, hash, node) => {
    const sign = runtime.signer(await importKey(hash), algorithm)
    expect(await sign?.(INPUT)).toBe(createHmac(node, SECRET).update(INPUT).digest('base64url'))
  })

  it.each([
    ['HS256', 'SHA-256', 'sha256'],
    ['HS384', 'SHA-384', 'sha384'],
    ['HS512', 'SHA-512', 'sha512'],
  ] as const)(
    '%s: accepts the MAC of the input, refuses any other bytes',
    async (algorithm, hash, node) => {
      const verify = runtime.verifier(await importKey(hash), algorithm)
      if (verify === undefined) throw new Error(`no ${algorithm} verifier`)
      const mac = createHmac(node, SECRET).update(INPUT).digest()
      expect(await verify(INPUT, mac)).toBe(true)
      expect(await verify(`${INPUT}x`, mac)).toBe(false)
      const flipped = Uint8Array.from(mac)
      flipped[0] = (flipped[0] ?? 0) ^ 1
      expect(await verify(INPUT, flipped)).toBe(false)
      expect(await verify(INPUT, mac.subarray(0, mac.length - 1))).toBe(false)
      expect(await verify(INPUT, Buffer.concat([mac, Buffer.from([0])]))).toBe(false)
      expect(await verify(INPUT, new Uint8Array(0))).toBe(false)
    },
  )
})

it('`#crypto` is the node:crypto branch on Node (the Web Crypto one when the suite forces it)', () => {
  const expected = process.env['SIMPLEJWT_CRYPTO'] === 'web' ? webCrypto : nodeCrypto
  expect(active.verifier).toBe(expected.verifier)
  expect(active.signer).toBe(expected.signer)
  expect(active.decodeBase64url).toBe(expected.decodeBase64url)
})

it('only the node branch imports node: modules', async () => {
  const { readFile } = await import('node:fs/promises')
  const source = (name: string) => readFile(new URL(`./${name}`, import.meta.url), 'utf8')
  expect(await source('crypto-web.ts')).not.toMatch(/from 'node:/)
  expect(await source('jws.ts')).not.toMatch(/from 'node:/)
  expect(await source('keys.ts')).not.toMatch(/from 'node:/)
  expect(await source('backend.ts')).not.toMatch(/from 'node:/)
  expect(await source('crypto-node.ts')).toMatch(/from 'node:crypto'/)
})

it('the node branch leaves to jose a key that is not a CryptoKey of Node', () => {
  const lookalike = {
    type: 'public',
    extractable: false,
    algorithm: { name: 'Ed25519' },
    usages: ['verify'],
  } as unknown as CryptoKey
  expect(nodeCrypto.verifier(lookalike, 'EdDSA')).toBeUndefined()
  expect(nodeCrypto.signer({ ...lookalike, type: 'private' } as CryptoKey, 'EdDSA')).toBeUndefined()
})
