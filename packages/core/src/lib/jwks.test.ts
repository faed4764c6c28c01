import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimpleJWT, TokenError } from '../index'

// JWK_URL: verifying keys come from a JWK set served over HTTP, selected by the token's `kid`.

const key = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test/keys/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >
const privateJwk = { ...key('rsa-private.jwk.json'), kid: 'key-1' }
const publicJwk = { ...key('rsa-public.jwk.json'), kid: 'key-1' }

let server: Server
let url: string
let requests = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++
    if (req.url === '/slow') return // never answers: the fetch must time out
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: [publicJwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('JWK_URL', () => {
  it('verifies tokens with the key whose kid the header names, fetching the set once', async () => {
    const signer = await createSimpleJWT({
      settings: { ALGORITHM: 'RS256', SIGNING_KEY: privateJwk, JWK_URL: `${url}/jwks` },
    })
    const token = await new signer.AccessToken().set('user_id', 1).sign()
    const header = JSON.parse(atob(token.split('.')[0] as string)) as Record<string, unknown>
    expect(header).toEqual({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })

    const before = requests
    const decoded = await signer.AccessToken.decode(token)
    expect(decoded.get('user_id')).toBe(1)
    await signer.AccessToken.decode(token)
    expect(requests - before).toBe(1)
  })

  it('refuses a token whose kid is not in the set', async () => {
    const other = await createSimpleJWT({
      settings: {
        ALGORITHM: 'RS256',
        SIGNING_KEY: { ...privateJwk, kid: 'unknown' },
        JWK_URL: `${url}/jwks`,
      },
    })
    const token = await new other.AccessToken().sign()
    await expect(async () => other.AccessToken.decode(token)).rejects.toThrow(TokenError)
    await expect(async () => other.AccessToken.decode(token)).rejects.toThrow(
      'Token is invalid or expired',
    )
  })

  it('refuses tokens when the set cannot be fetched in time', async () => {
    const sjwt = await createSimpleJWT({
      settings: { ALGORITHM: 'RS256', SIGNING_KEY: privateJwk, JWK_URL: `${url}/slow` },
    })
    const token = await new sjwt.AccessToken().sign()
    await expect(async () => sjwt.AccessToken.decode(token)).rejects.toThrow(
      'Token is invalid or expired',
    )
  }, 15_000)

  it('is ignored for HMAC algorithms, as in simplejwt', async () => {
    const secret = 'a-shared-secret-of-at-least-thirty-two-bytes!'
    const sjwt = await createSimpleJWT({
      settings: { SIGNING_KEY: secret, JWK_URL: `${url}/never-fetched` },
    })
    const before = requests
    const token = await new sjwt.AccessToken().sign()
    await expect(Promise.resolve(sjwt.AccessToken.decode(token))).resolves.toBeDefined()
    expect(requests).toBe(before)
  })
})
