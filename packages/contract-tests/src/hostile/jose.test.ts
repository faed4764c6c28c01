/**
 * Hostile tokens on the default profile (HS256): the JOSE header, the encoding and the claims.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, expect } from 'vitest'
import { DEFAULT } from '../profiles'
import {
  accessJson,
  b64u,
  describeHostile,
  type HostileCase,
  invalidAccess,
  invalidToken,
  servesUser,
  signature,
  signText,
  VERIFY,
  view,
} from './harness'

const HS = '{"alg":"HS256","typ":"JWT"}'
const ATTACKER_SECRET = 'attacker-secret-0123456789abcdef-0123456789'

/** A server that counts the requests it gets: a key URL in a header must never be fetched. */
let keyServer: Server
let keyServerHits = 0
let keyUrl = ''
beforeAll(async () => {
  keyServer = createServer((_request, response) => {
    keyServerHits++
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
  })
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve))
  keyUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks.json`
})
afterAll(async () => {
  expect(keyServerHits, 'requests made to the key URLs named in token headers').toBe(0)
  await new Promise((resolve) => keyServer.close(resolve))
})

/** `token` with the last character of its signature replaced by `char`. */
function lastChar(token: string, char: string): string {
  return `${token.slice(0, -1)}${char}`
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The token with its signature's last character changed in the two bits that encode nothing (a
 * 32-byte signature is 43 characters, 258 bits): the same signature bytes, another text.
 */
function trailingBitsAltered(token: string): string {
  const index = ALPHABET.indexOf(token.slice(-1))
  return lastChar(token, ALPHABET[index ^ 1] ?? '')
}

/** A token whose payload segment has its "=" padding, then `extra`, correctly signed. */
function withPaddedPayload(payload: string, extra: string): string {
  const encoded = b64u(payload)
  const input = `${b64u(HS)}.${encoded}${'='.repeat((4 - (encoded.length % 4)) % 4)}${extra}`
  return `${input}.${signature(DEFAULT, input)}`
}

const header = (members: Record<string, unknown>) => JSON.stringify({ alg: 'HS256', ...members })

const CASES: HostileCase[] = [
  // --- JOSE header -----------------------------------------------------------------------------
  {
    name: 'RFC 7515 §5.2: a header naming "alg" twice is read as the reference reads it (the last member)',
    send: (side, kit) =>
      view(side, signText(DEFAULT, '{"alg":"none","typ":"JWT","alg":"HS256"}', accessJson(kit, 1))),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 7515 §5.2 / RFC 8725 §3.1: "alg" twice, the last "none", unsigned: refused',
    send: (side, kit) => {
      const input = `${b64u('{"alg":"HS256","alg":"none"}')}.${b64u(accessJson(kit, 1))}`
      return view(side, `${input}.`)
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7515 §5.2: a payload naming user_id twice serves the last one only (admin first, alice last)',
    send: (side, kit) => view(side, signText(DEFAULT, HS, accessJson(kit, 3, '"user_id":1'))),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 8725 §3.1: "alg": "none" with an empty signature',
    send: (side, kit) =>
      view(side, `${b64u('{"alg":"none","typ":"JWT"}')}.${b64u(accessJson(kit, 1))}.`),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7515 §4.1.3 / CVE-2018-0114: an attacker\'s key in "jwk", signed with it, is never used',
    send: (side, kit) => {
      const jwk = { kty: 'oct', k: b64u(ATTACKER_SECRET) }
      return view(side, signText(DEFAULT, header({ jwk }), accessJson(kit, 3), ATTACKER_SECRET))
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 8725 §3.10 / RFC 7515 §4.1.2: "jku" naming an attacker\'s key set is never fetched',
    send: (side, kit) =>
      view(side, signText(DEFAULT, header({ jku: keyUrl }), accessJson(kit, 3), ATTACKER_SECRET)),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 8725 §3.10 / RFC 7515 §4.1.5: "x5u" is never fetched, even on a correctly signed token',
    send: (side, kit) => view(side, signText(DEFAULT, header({ x5u: keyUrl }), accessJson(kit, 1))),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 7515 §4.1.6: "x5c" with a certificate chain of junk, signed by an attacker, is never used',
    send: (side, kit) =>
      view(
        side,
        signText(DEFAULT, header({ x5c: [b64u('junk')] }), accessJson(kit, 3), ATTACKER_SECRET),
      ),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 8725 §3.10: "kid" as a path to an empty file, signed with an empty key',
    send: (side, kit) =>
      view(
        side,
        signText(DEFAULT, header({ kid: '../../../../../../dev/null' }), accessJson(kit, 3), ''),
      ),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 8725 §3.10: "kid" as SQL that would select a known key, signed with that key',
    send: (side, kit) =>
      view(
        side,
        signText(
          DEFAULT,
          header({ kid: "x' UNION SELECT 'attacker-key' -- " }),
          accessJson(kit, 3),
          'attacker-key',
        ),
      ),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 8725 §3.10: "kid" with path and SQL characters on a correctly signed token is ignored',
    send: (side, kit) =>
      view(
        side,
        signText(
          DEFAULT,
          header({ kid: "../../etc/passwd'; DROP TABLE users; --" }),
          accessJson(kit, 1),
        ),
      ),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 7797 §3, §6: "b64": false with "crit", the payload unencoded and correctly signed',
    send: (side, kit) => {
      const protectedHeader = b64u(header({ b64: false, crit: ['b64'] }))
      const payload = accessJson(kit, 1)
      const input = `${protectedHeader}.${payload}`
      return view(side, `${input}.${signature(DEFAULT, input)}`)
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7516 §4.1.3: "zip": "DEF" on a JWS, its payload deflated and correctly signed, is never inflated',
    send: (side, kit) => {
      const input = `${b64u(header({ zip: 'DEF' }))}.${b64u(deflateRawSync(accessJson(kit, 1)))}`
      return view(side, `${input}.${signature(DEFAULT, input)}`)
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7516 §9: a five-part JWE in place of a JWS',
    send: (side) => {
      const jwe = [
        b64u('{"alg":"dir","enc":"A256GCM"}'),
        '',
        b64u('iv-iv-iv-iv'),
        b64u('ciphertext'),
        b64u('tag-tag-tag-tag'),
      ]
      return view(side, jwe.join('.'))
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7516 §9: a five-part JWE on the verify endpoint',
    send: (side) =>
      side.post(VERIFY, {
        json: { token: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn' },
      }),
    expect: invalidToken(),
  },
  // --- encoding (RFC 4648) -----------------------------------------------------------------------
  {
    name: 'RFC 4648 §5 / RFC 7515 §2: the signature in the standard alphabet (+ and /)',
    send: async (side, kit) => {
      // A token whose signature has a - or _ to replace.
      for (;;) {
        const token = signText(DEFAULT, HS, accessJson(kit, 1))
        const sig = token.split('.')[2] ?? ''
        if (/[-_]/.test(sig))
          return view(
            side,
            token.replace(/\.[^.]*$/, `.${sig.replaceAll('-', '+').replaceAll('_', '/')}`),
          )
      }
    },
    expect: invalidAccess(),
    // Python's urlsafe_b64decode reads + and / too.
    reference: { readme: 12, answer: servesUser(1, 'alice') },
  },
  {
    name: 'RFC 7515 §2: the signature with its "=" padding is read as the reference reads it',
    // The same signature bytes: accepted by both, as the trailing-bits cases below.
    send: (side, kit) => view(side, `${signText(DEFAULT, HS, accessJson(kit, 1))}=`),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 7515 §2: the payload padded to its last group, read as the reference reads it',
    send: (side, kit) => view(side, withPaddedPayload(accessJson(kit, 1), '')),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 7515 §2: the payload with "=" padding beyond its last group',
    send: (side, kit) => view(side, withPaddedPayload(accessJson(kit, 1), '====')),
    expect: invalidAccess(),
    // Python's base64 decoding ignores padding beyond what is needed.
    reference: { readme: 12, answer: servesUser(1, 'alice') },
  },
  {
    name: 'RFC 7515 §7.1: a line break inside the payload segment (verify endpoint)',
    send: (side, kit) => {
      const token = signText(DEFAULT, HS, accessJson(kit, 1))
      const [h, p, s] = token.split('.') as [string, string, string]
      return side.post(VERIFY, { json: { token: `${h}.${p.slice(0, 10)}\n${p.slice(10)}.${s}` } })
    },
    expect: invalidToken(),
  },
  {
    name: 'RFC 7515 §7.1: a tab inside the token in the Authorization header',
    send: (side, kit) => {
      const token = signText(DEFAULT, HS, accessJson(kit, 1))
      return view(side, `${token.slice(0, 30)}\t${token.slice(30)}`)
    },
    expect: {
      status: 401,
      body: {
        detail: 'Authorization header must contain two space-delimited values',
        code: 'bad_authorization_header',
      },
    },
  },
  {
    name: 'RFC 4648 §3.5: the signature with non-zero trailing bits, used after the canonical token',
    send: async (side, kit) => {
      const token = signText(DEFAULT, HS, accessJson(kit, 1))
      expect((await view(side, token)).status).toBe(200)
      return view(side, trailingBitsAltered(token))
    },
    // The same signature bytes, so authentic: accepted as the reference accepts it (verified
    // again, not served as the other text's cache entry). Refusing non-canonical encodings (RFC
    // 4648 §3.5 allows it) belongs in the token backend's decoding.
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 4648 §3.5: the signature with non-zero trailing bits, never used before',
    send: (side, kit) => view(side, trailingBitsAltered(signText(DEFAULT, HS, accessJson(kit, 1)))),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'verified-token cache: a cached token with a data bit of its signature changed is verified again',
    send: async (side, kit) => {
      const token = signText(DEFAULT, HS, accessJson(kit, 1))
      expect((await view(side, token)).status).toBe(200)
      const index = ALPHABET.indexOf(token.slice(-1))
      return view(side, lastChar(token, ALPHABET[index ^ 32] ?? ''))
    },
    expect: invalidAccess(),
  },
]

describeHostile('hostile tokens: JOSE header and encoding (HS256)', DEFAULT, CASES)
