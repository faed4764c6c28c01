/**
 * Hostile ECDSA signatures on the ES256 profile (RFC 7518 §3.4: R || S, 32 bytes each).
 */
import { generateKeyPairSync } from 'node:crypto'
import { ES256 } from '../profiles'
import type { Reply } from '../shape'
import { field, type Side } from '../sides'
import {
  ALICE,
  accessJson,
  BLACKLIST,
  b64u,
  describeHostile,
  type HostileCase,
  invalidAccess,
  invalidToken,
  REFRESH,
  servesUser,
  signText,
  TOKEN,
  view,
} from './harness'

const HEADER = '{"alg":"ES256","typ":"JWT"}'
/** The order of P-256's base point. */
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

const toBytes = (value: bigint): Buffer => Buffer.from(value.toString(16).padStart(64, '0'), 'hex')
const toBig = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex')}`)

/** `token` with its signature replaced by `r || s`. */
function withRS(token: string, r: bigint, s: bigint): string {
  const input = token.slice(0, token.lastIndexOf('.'))
  return `${input}.${b64u(Buffer.concat([toBytes(r), toBytes(s)]))}`
}

function rsOf(token: string): { r: bigint; s: bigint } {
  const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
  return { r: toBig(signature.subarray(0, 32)), s: toBig(signature.subarray(32)) }
}

/** The same signature as ASN.1 DER (what OpenSSL writes), instead of R || S. */
function der(token: string): string {
  const { r, s } = rsOf(token)
  const integer = (value: bigint) => {
    let bytes = toBytes(value)
    while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] ?? 0) < 0x80) bytes = bytes.subarray(1)
    if ((bytes[0] ?? 0) >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes])
  }
  const body = Buffer.concat([integer(r), integer(s)])
  const input = token.slice(0, token.lastIndexOf('.'))
  return `${input}.${b64u(Buffer.concat([Buffer.from([0x30, body.length]), body]))}`
}

const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const attackerPem = attacker.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

async function refreshOf(side: Side): Promise<string> {
  return field(await side.post(TOKEN, { json: ALICE }), 'refresh')
}

const CASES: HostileCase[] = [
  {
    name: 'CVE-2022-21449 ("psychic signatures"): r = s = 0',
    send: (side, kit) => view(side, withRS(signText(ES256, HEADER, accessJson(kit, 3)), 0n, 0n)),
    expect: invalidAccess(),
  },
  {
    name: 'CVE-2022-21449: r = s = n (zero modulo n)',
    send: (side, kit) => view(side, withRS(signText(ES256, HEADER, accessJson(kit, 3)), N, N)),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7518 §3.4 / SEC 1 §4.1.4: r = n + r, the rest of a valid signature kept',
    send: (side, kit) => {
      const token = signText(ES256, HEADER, accessJson(kit, 1))
      const { r, s } = rsOf(token)
      // r + n fits in 32 bytes only when r < 2^256 - n; otherwise r = n itself.
      const big = r + N < 2n ** 256n ? r + N : N
      return view(side, withRS(token, big, s))
    },
    expect: invalidAccess(),
  },
  {
    name: 'SEC 1 §4.1.4: s ≥ n (2^256 - 1), r of a valid signature',
    send: (side, kit) => {
      const token = signText(ES256, HEADER, accessJson(kit, 1))
      return view(side, withRS(token, rsOf(token).r, 2n ** 256n - 1n))
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7518 §3.4: a valid signature in DER instead of R || S',
    send: (side, kit) => view(side, der(signText(ES256, HEADER, accessJson(kit, 1)))),
    expect: invalidAccess(),
  },
  {
    name: 'RFC 7518 §3.4: a 63-byte signature (R || S with a byte cut)',
    send: (side, kit) => {
      const token = signText(ES256, HEADER, accessJson(kit, 1))
      const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
      return view(side, `${token.slice(0, token.lastIndexOf('.'))}.${b64u(signature.subarray(1))}`)
    },
    expect: invalidAccess(),
  },
  {
    name: 'ECDSA malleability: the high-S twin (n - s) of a valid signature verifies, as in the reference',
    // ES256 (RFC 7518) does not require low S; both sides accept the twin as the same token.
    send: (side, kit) => {
      const token = signText(ES256, HEADER, accessJson(kit, 1))
      const { r, s } = rsOf(token)
      return view(side, withRS(token, r, N - s))
    },
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'ECDSA malleability: the high-S twin of a blacklisted refresh token is still blacklisted',
    send: async (side): Promise<Reply[]> => {
      const refresh = await refreshOf(side)
      await side.post(BLACKLIST, { json: { refresh } })
      const { r, s } = rsOf(refresh)
      const twin = withRS(refresh, r, N - s)
      return [
        await side.post(REFRESH, { json: { refresh: twin } }),
        await side.post(BLACKLIST, { json: { refresh: twin } }),
      ]
    },
    expect: [invalidToken('Token is blacklisted'), invalidToken('Token is blacklisted')],
  },
  {
    name: 'CVE-2018-0114: the attacker\'s public key in "jwk", the token signed with its private key',
    send: (side, kit) => {
      const jwk = attacker.publicKey.export({ format: 'jwk' })
      const header = JSON.stringify({ alg: 'ES256', typ: 'JWT', jwk })
      return view(side, signText(ES256, header, accessJson(kit, 3), attackerPem))
    },
    expect: invalidAccess(),
  },
  {
    name: 'RFC 8725 §3.1 / CVE-2022-29217 (algorithm confusion): HS256 keyed with the public key PEM',
    send: (side, kit) => {
      const verifyingKey = String(ES256.settings['VERIFYING_KEY'])
      const hs = { ...ES256, settings: { ALGORITHM: 'HS256' } }
      return view(
        side,
        signText(hs, '{"alg":"HS256","typ":"JWT"}', accessJson(kit, 3), verifyingKey),
      )
    },
    expect: invalidAccess(),
  },
]

describeHostile('hostile ECDSA signatures (ES256)', ES256, CASES)
