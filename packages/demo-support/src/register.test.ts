import { createSimpleJWT, type SimpleJWT } from '@simplejwt/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVELOPMENT_SECRET_KEY } from './config'
import { register } from './register'
import { type DemoStore, type DemoUser, openDemoStore } from './store'
import { statelessView, userView } from './views'

const JSON_HEADERS = { 'content-type': 'application/json' }
const encode = (value: string) => new TextEncoder().encode(value)

describe('register', () => {
  let store: DemoStore
  let sjwt: SimpleJWT<DemoUser>
  beforeAll(async () => {
    store = await openDemoStore({ kind: 'sqlite', path: ':memory:' })
    sjwt = await createSimpleJWT({
      settings: { SIGNING_KEY: DEVELOPMENT_SECRET_KEY },
      users: store.users,
      tokens: store.tokens,
    })
  })
  afterAll(() => store.close())

  const post = (body: string, headers: Record<string, string> = JSON_HEADERS) =>
    register(sjwt, store.users, { headers, body: encode(body) })

  it('creates the user and answers 201 with a pair issued for it', async () => {
    const reply = await post('{"username": "carol", "password": "carol-password"}')
    expect(reply.status).toBe(201)
    expect(Object.keys(reply.body as object)).toEqual(['refresh', 'access'])
    const { refresh, access } = reply.body as { refresh: string; access: string }

    const token = await sjwt.AccessToken.decode(access)
    expect(token.payload).toMatchObject({ token_type: 'access', user_id: 4 })
    const user = await sjwt.tokenUser(token)
    expect(user).toMatchObject({ id: 4, username: 'carol', isActive: true, isStaff: false })
    // Issued refresh tokens are recorded as outstanding, as RefreshToken.for_user does.
    const { jti } = (await sjwt.RefreshToken.decode(refresh)).payload
    expect(await store.tokens.outstanding(String(jti))).toMatchObject({ userId: 4 })
    expect(
      await store.users.authenticate({ username: 'carol', password: 'carol-password' }),
    ).toMatchObject({ id: 4 })
  })

  it('reads form bodies too', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const reply = await post('username=dave&password=dave-password', form)
    expect(reply.status).toBe(201)
  })

  it("answers the reference's 400 when a field is missing, empty or not a string", async () => {
    const required = { detail: 'username and password are required' }
    for (const body of [
      '{}',
      '{"username": "erin"}',
      '{"username": "", "password": "x"}',
      '{"username": "erin", "password": 12}',
      '{"username": "alice"}',
    ]) {
      expect(await post(body)).toMatchObject({ status: 400, body: required })
    }
    expect(await register(sjwt, store.users, { headers: {}, body: null })).toMatchObject({
      status: 400,
      body: required,
    })
  })

  it('answers 400 "username taken" for an existing username', async () => {
    const reply = await post('{"username": "alice", "password": "another-password"}')
    expect(reply).toMatchObject({ status: 400, body: { detail: 'username taken' } })
  })

  it('stores the username in NFKC form, as Django does: a full-width look-alike of a user is taken', async () => {
    const wide = '\uff41\uff4c\uff49\uff43\uff45' // "ａｌｉｃｅ"
    const taken = await post(JSON.stringify({ username: wide, password: 'wide-password' }))
    expect(taken).toMatchObject({ status: 400, body: { detail: 'username taken' } })
    const reply = await post(
      JSON.stringify({ username: '\uff47\uff52\uff41\uff43\uff45', password: 'pw' }),
    )
    expect(reply.status).toBe(201)
    expect(await store.users.authenticate({ username: 'grace', password: 'pw' })).toMatchObject({
      username: 'grace',
    })
  })

  it("answers a body it cannot parse as the token endpoints do, in the request's language", async () => {
    const reply = await register(sjwt, store.users, {
      headers: { ...JSON_HEADERS, 'accept-language': 'ko' },
      body: encode('{"username": '),
    })
    expect(reply.status).toBe(400)
    expect((reply.body as { detail: string }).detail).toMatch(/^JSON /)
    expect(reply.headers['content-language']).toBe('ko')
  })

  it('reads a streamed body', async () => {
    async function* chunks() {
      yield encode('{"username": "frank", ')
      yield encode('"password": "frank-password"}')
    }
    const reply = await register(sjwt, store.users, { headers: JSON_HEADERS, body: chunks() })
    expect(reply.status).toBe(201)
  })
})

describe('the views', () => {
  it("answer the user and the token's payload, in the reference's key order", async () => {
    const sjwt = await createSimpleJWT({ settings: { SIGNING_KEY: DEVELOPMENT_SECRET_KEY } })
    const auth = await sjwt.AccessToken.forUser({ id: 1 })
    const user = { id: 1, username: 'alice', isStaff: false }
    const headers = { 'accept-language': 'ko' }

    const full = userView({ headers, user, auth })
    expect(full).toEqual({
      status: 200,
      headers: { 'content-language': 'ko', vary: 'Accept-Language' },
      body: { user: { id: 1, username: 'alice' }, token: auth.payload },
    })
    expect(JSON.stringify(full.body)).toMatch(/^\{"user":\{"id":1,"username":"alice"\},"token":/)
    expect(statelessView({ headers, user, auth }).body).toEqual({
      user: { id: 1 },
      token: auth.payload,
    })
    expect(() => userView({ headers })).toThrow(/without requireAuth/)
  })
})
