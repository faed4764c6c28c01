import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWithReference, type Reference, startReference } from './index'

interface Reply<Body> {
  status: number
  body: Body
  headers: Headers
}

interface Pair {
  refresh: string
  access: string
}

interface ProtectedView {
  user: { id: number; username: string }
  token: Record<string, unknown>
}

async function call<Body>(
  reference: Reference,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<Body>> {
  const response = await fetch(`${reference.url}/${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  return {
    status: response.status,
    body: (await response.json()) as Body,
    headers: response.headers,
  }
}

function joseHeader(token: string): unknown {
  const [encoded = ''] = token.split('.')
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
}

const alice = { username: 'alice', password: 'alice-password' }

describeWithReference('the reference simplejwt harness', () => {
  describe('with default settings', () => {
    let reference: Reference
    beforeAll(async () => {
      reference = await startReference()
    })
    afterAll(async () => {
      await reference?.close()
    })

    it('answers the health check', async () => {
      expect(await call(reference, 'test/health/')).toMatchObject({ status: 200, body: {} })
    })

    it('obtains a pair for alice and opens the protected view with it', async () => {
      const pair = await call<Pair>(reference, 'api/token/', { body: alice })
      expect(pair.status).toBe(200)
      expect(Object.keys(pair.body).sort()).toEqual(['access', 'refresh'])

      const view = await call<ProtectedView>(reference, 'api/some-protected-view/', {
        headers: { authorization: `Bearer ${pair.body.access}` },
      })
      expect(view.status).toBe(200)
      expect(view.body.user).toEqual({ id: 1, username: 'alice' })
      expect(view.body.token).toMatchObject({ token_type: 'access', user_id: 1 })
    })

    it("mints tokens with simplejwt's own classes, extra claims included", async () => {
      const minted = await call<Pair>(reference, 'test/mint/', {
        body: { type: 'pair', user_id: 3, claims: { scope: 'admin' } },
      })
      expect(minted.status).toBe(200)

      const view = await call<ProtectedView>(reference, 'api/admin-only-view/', {
        headers: { authorization: `Bearer ${minted.body.access}` },
      })
      expect(view.status).toBe(200)
      expect(view.body.token).toMatchObject({ token_type: 'access', user_id: 3, scope: 'admin' })

      const inspected = await call(reference, 'test/inspect/', {
        body: { token: minted.body.refresh, class: 'refresh' },
      })
      expect(inspected).toMatchObject({
        status: 200,
        body: { payload: { token_type: 'refresh', user_id: 3, scope: 'admin' } },
      })

      const sliding = await call<{ token: string }>(reference, 'test/mint/', {
        body: { type: 'sliding', user_id: 1 },
      })
      const asAccess = await call(reference, 'test/inspect/', {
        body: { token: sliding.body.token, class: 'access' },
      })
      expect(asAccess).toMatchObject({
        status: 401,
        body: { detail: 'Token has wrong type', code: 'token_not_valid' },
      })
    })

    it('answers a bad token as simplejwt does, in the language asked for', async () => {
      const english = await call(reference, 'test/inspect/', {
        body: { token: 'not-a-token', class: 'access' },
      })
      expect(english.status).toBe(401)
      expect(english.body).toEqual({
        detail: 'Token is invalid or expired',
        code: 'token_not_valid',
      })
      expect(english.headers.get('www-authenticate')).toBe('Bearer realm="api"')

      const korean = await call(reference, 'test/inspect/', {
        body: { token: 'not-a-token', class: 'access' },
        headers: { 'accept-language': 'ko' },
      })
      expect(korean.status).toBe(401)
      expect(korean.body).toEqual({
        detail: '유효하지 않거나 만료된 토큰',
        code: 'token_not_valid',
      })
    })
  })

  describe('with custom settings', () => {
    const signingKey = 'a-signing-key-for-hs512-that-is-at-least-sixty-four-characters-long'
    let reference: Reference
    beforeAll(async () => {
      reference = await startReference({
        settings: { ROTATE_REFRESH_TOKENS: true, ALGORITHM: 'HS512', SIGNING_KEY: signingKey },
      })
    })
    afterAll(async () => {
      await reference?.close()
    })

    it('rotates refresh tokens, signed with HS512', async () => {
      const pair = await call<Pair>(reference, 'api/token/', { body: alice })
      expect(pair.status).toBe(200)
      expect(joseHeader(pair.body.access)).toMatchObject({ alg: 'HS512' })

      const refreshed = await call<Pair>(reference, 'api/token/refresh/', {
        body: { refresh: pair.body.refresh },
      })
      expect(refreshed.status).toBe(200)
      expect(Object.keys(refreshed.body).sort()).toEqual(['access', 'refresh'])
      expect(refreshed.body.refresh).not.toBe(pair.body.refresh)
    })
  })

  it('stops the server on close', async () => {
    const reference = await startReference()
    await reference.close()
    await expect(fetch(`${reference.url}/test/health/`)).rejects.toThrow()
  })
})
