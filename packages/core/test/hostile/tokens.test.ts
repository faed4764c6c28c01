/**
 * Hostile tokens against the core itself (the HTTP cases are in packages/contract-tests/src/hostile):
 * key URLs in a header never fetched even with JWK_URL set, the verified-token cache never serving a
 * token other than the one it verified, duplicate member names. Time is frozen.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSimpleJWT, TokenError } from '../../src/index'
import type { CryptoRuntime } from '../../src/lib/jws'

// Counts the signature checks, to tell a cache hit from a verification.
const checks = vi.hoisted(() => ({ count: 0 }))
vi.mock('#crypto', async (importOriginal) => {
  const original = await importOriginal<CryptoRuntime>()
  return {
    ...original,
    verifier: (...args: Parameters<CryptoRuntime['verifier']>) => {
      const verify = original.verifier(...args)
      if (verify === undefined) return undefined
      return (input: string, signature: Uint8Array) => {
        checks.count++
        return verify(input, signature)
      }
    },
  }
})

const SECRET = 'hostile-core-secret-0123456789-abcdefghijklmnop'
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0)
const NOW_S = NOW / 1000
const b64u = (data: string | Buffer) => Buffer.from(data).toString('base64url')
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** An HS256 token of these exact texts. */
function hs256(header: string, payload: string, secret = SECRET): string {
  const input = `${b64u(header)}.${b64u(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

const claims = (extra = '') =>
  `{"token_type":"access","exp":${NOW_S + 300},"iat":${NOW_S},"jti":"0123456789abcdef0123456789abcdef","user_id":1${extra}}`

/** The last character of the signature replaced: `xor` 1 flips an unused bit, 32 a used one. */
function lastChar(token: string, xor: number): string {
  return `${token.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(token.slice(-1)) ^ xor]}`
}

const hmac = () => createSimpleJWT({ settings: { SIGNING_KEY: SECRET }, clock: () => NOW })

beforeEach(() => {
  checks.count = 0
})

describe('the verified-token cache against altered signatures (RFC 4648 §3.5)', () => {
  it('verifies a token whose signature differs in a used bit, and refuses it, though its twin is cached', async () => {
    const sjwt = await hmac()
    const token = hs256('{"alg":"HS256","typ":"JWT"}', claims())
    await sjwt.AccessToken.decode(token)
    await sjwt.AccessToken.decode(token)
    expect(checks.count).toBe(1)
    await expect(async () => sjwt.AccessToken.decode(lastChar(token, 32))).rejects.toThrow(
      'Token is invalid or expired',
    )
    expect(checks.count).toBe(2)
  })

  it("never serves a token with other trailing bits from its twin's entry: its signature is checked", async () => {
    const sjwt = await hmac()
    const token = hs256('{"alg":"HS256","typ":"JWT"}', claims())
    await sjwt.AccessToken.decode(token)
    expect(checks.count).toBe(1)
    // The same signature bytes, so authentic (as PyJWT reads it too), but checked, not looked up.
    const twin = await sjwt.AccessToken.decode(lastChar(token, 1))
    expect(twin.payload['user_id']).toBe(1)
    expect(checks.count).toBe(2)
  })
})

describe('duplicate member names (RFC 7515 §5.2, RFC 7519 §4): the last one, as PyJWT reads them', () => {
  it('reads the last "alg" of a header', async () => {
    const sjwt = await hmac()
    const token = hs256('{"alg":"none","alg":"HS256"}', claims())
    expect((await sjwt.AccessToken.decode(token)).payload['user_id']).toBe(1)
    const unsigned = `${b64u('{"alg":"HS256","alg":"none"}')}.${b64u(claims())}.`
    await expect(async () => sjwt.AccessToken.decode(unsigned)).rejects.toThrow(TokenError)
  })

  it('reads the last "user_id" of a payload', async () => {
    const sjwt = await hmac()
    const token = hs256('{"alg":"HS256"}', claims(',"user_id":3'))
    expect((await sjwt.AccessToken.decode(token)).payload['user_id']).toBe(3)
  })

  it('keeps "__proto__" in a payload as a plain claim, never as the payload\'s prototype', async () => {
    const sjwt = await hmac()
    const token = hs256('{"alg":"HS256"}', claims(',"__proto__":{"is_staff":true}'))
    for (const round of ['verified', 'cached']) {
      const { payload } = await sjwt.AccessToken.decode(token)
      expect(Object.getPrototypeOf(payload), round).toBe(Object.prototype)
      expect((payload as Record<string, unknown>)['is_staff'], round).toBeUndefined()
      expect(Object.hasOwn(payload, '__proto__'), round).toBe(true)
    }
  })
})

describe('key URLs in a header are never fetched, even with JWK_URL (RFC 8725 §3.10)', () => {
  const jwk = (name: string) =>
    JSON.parse(readFileSync(new URL(`../keys/${name}`, import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >
  const servers: Server[] = []
  const hits = { keys: 0, attacker: 0 }
  let keysUrl = ''
  let attackerUrl = ''
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })

  async function serve(onRequest: () => string): Promise<string> {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(onRequest())
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  }

  beforeAll(async () => {
    keysUrl = await serve(() => {
      hits.keys++
      return JSON.stringify({ keys: [{ ...jwk('rsa-public.jwk.json'), kid: 'key-1' }] })
    })
    attackerUrl = await serve(() => {
      hits.attacker++
      const key = attacker.publicKey.export({ format: 'jwk' })
      return JSON.stringify({ keys: [{ ...key, kid: 'key-1' }] })
    })
  })
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  for (const member of ['jku', 'x5u']) {
    it(`"${member}" naming the attacker's key set, the token signed with the attacker's key`, async () => {
      const sjwt = await createSimpleJWT({
        settings: { ALGORITHM: 'RS256', JWK_URL: keysUrl },
        clock: () => NOW,
      })
      const header = JSON.stringify({ alg: 'RS256', kid: 'key-1', [member]: attackerUrl })
      const input = `${b64u(header)}.${b64u(claims())}`
      const forged = `${input}.${b64u(sign('sha256', Buffer.from(input), attacker.privateKey))}`
      await expect(async () => sjwt.AccessToken.decode(forged)).rejects.toThrow(
        'Token is invalid or expired',
      )
      expect(hits.attacker).toBe(0)
      expect(hits.keys).toBeGreaterThan(0)
    })
  }
})
