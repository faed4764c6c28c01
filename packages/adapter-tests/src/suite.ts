import type { SettingsInput, SimpleJWT } from '@simplejwt/core'
import { MAX_BODY_BYTES } from '@simplejwt/core/adapter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, claims, field, type Reply } from './client'
import { type ContractOptions, contractSimpleJWT, NOW, NOW_SECONDS } from './contract'
import type { RunningServer } from './serve'

/**
 * Starts a real HTTP server on 127.0.0.1 (port 0) with the adapter mounted as in the demo apps'
 * HTTP contract, plus one route for optional authentication:
 * - `tokenRoutes(sjwt)` under `/api`: `POST /api/token/`, `/api/token/refresh/`, ...;
 * - `GET /api/some-protected-view/`, `requireAuth(sjwt)`: `{"user": {"id", "username"}, "token": payload}`;
 * - `GET /api/admin-only-view/`, `requireAuth(sjwt, { permission: 'staff' })`: the same body;
 * - `GET /api/stateless-view/`, `requireAuth(sjwt, { stateless: true })`: `{"user": {"id"}, "token": payload}`;
 * - `GET /api/optional-view/`, `authenticate(sjwt)`: `{"user": {"id"}}`, or `{"user": null}` when anonymous.
 */
export type StartServer = (sjwt: SimpleJWT) => Promise<RunningServer>

const BEARER = 'Bearer realm="api"'
const REQUIRED = 'This field is required.'
const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' }
const NO_ACCOUNT = { detail: 'No active account found with the given credentials' }
const DENIED = { detail: 'You do not have permission to perform this action.' }
const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' }
const WRONG_TYPE = { detail: 'Token has wrong type', code: 'token_not_valid' }
const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }
const BAD_HEADER = {
  detail: 'Authorization header must contain two space-delimited values',
  code: 'bad_authorization_header',
}
const NO_USER_ID = {
  detail: 'Token contained no recognizable user identification',
  code: 'token_not_valid',
}
const KO = { 'accept-language': 'ko' }
const KO_INVALID = '유효하지 않거나 만료된 토큰'

/** The 401 of authentication when no token class accepts the token. */
function notValidForAnyType(message: string, detail = 'Given token not valid for any token type') {
  return {
    detail,
    code: 'token_not_valid',
    messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
  }
}

const JTI = expect.stringMatching(/^[0-9a-f]{32}$/)
const alice = { username: 'alice', password: 'alice-password' }
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

interface Served {
  readonly client: Client
  /** The configuration the server was started with. */
  sjwt(): SimpleJWT
}

/** Starts a server for the enclosing `describe` with these settings, stops it after. */
function serve(
  start: StartServer,
  settings: SettingsInput = {},
  options?: ContractOptions,
): Served {
  let server: RunningServer | undefined
  let sjwt: SimpleJWT | undefined
  beforeAll(async () => {
    sjwt = await contractSimpleJWT(settings, options)
    server = await start(sjwt)
  })
  afterAll(async () => {
    await server?.close()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the server did not start')
    return value
  }
  return { client: new Client(() => started(server).url), sjwt: () => started(sjwt) }
}

/** A response written by the core: status, body and every header the core sets. */
function expectCore(
  reply: Reply,
  status: number,
  body: unknown,
  { language = 'en', challenge = BEARER }: { language?: string; challenge?: string } = {},
): void {
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body })
  expect(reply.headers.get('content-type')).toMatch(/^application\/json\b/)
  expect(reply.headers.get('content-language')).toBe(language)
  expect(reply.headers.get('vary')).toMatch(/\bAccept-Language\b/i)
  expect(reply.headers.get('www-authenticate')).toBe(status === 401 ? challenge : null)
}

/** A signed access token for the user with this id, issued at NOW (or `now`). */
async function accessFor(id: number, now = NOW): Promise<string> {
  const sjwt = await contractSimpleJWT({}, { now, tokens: false })
  return (await sjwt.AccessToken.forUser({ id })).sign()
}

/**
 * The adapter conformance suite: every route of the contract over real HTTP, with the bodies,
 * codes, messages and headers of simplejwt 5.2.2 with Django REST framework.
 */
export function runAdapterSuite(name: string, start: StartServer): void {
  describe(`${name}: the contract over HTTP`, () => {
    describe('with default settings', () => {
      const { client } = serve(start)
      const pair = async () => {
        const reply = await client.post('/api/token/', alice)
        return { refresh: field(reply, 'refresh'), access: field(reply, 'access') }
      }

      describe('POST /api/token/', () => {
        it('issues a refresh/access pair for an active user', async () => {
          const reply = await client.post('/api/token/', alice)
          expectCore(reply, 200, { refresh: expect.any(String), access: expect.any(String) })
          expect(claims(field(reply, 'access'))).toEqual({
            token_type: 'access',
            exp: NOW_SECONDS + 300,
            iat: NOW_SECONDS,
            jti: JTI,
            user_id: 1,
          })
          expect(claims(field(reply, 'refresh'))).toEqual({
            token_type: 'refresh',
            exp: NOW_SECONDS + 86_400,
            iat: NOW_SECONDS,
            jti: JTI,
            user_id: 1,
          })
        })

        it('reads form-urlencoded and multipart bodies', async () => {
          for (const reply of [
            await client.form('/api/token/', alice),
            await client.multipart('/api/token/', alice),
          ]) {
            expectCore(reply, 200, { refresh: expect.any(String), access: expect.any(String) })
          }
        })

        it.each([
          ['a wrong password', { username: 'alice', password: 'wrong' }],
          ['an inactive user', { username: 'bob', password: 'bob-password' }],
          ['an unknown user', { username: 'carol', password: 'carol-password' }],
        ])('refuses %s with a 401', async (_, credentials) => {
          expectCore(await client.post('/api/token/', credentials), 401, NO_ACCOUNT)
        })

        it.each([
          ['an empty object', {}, { username: [REQUIRED], password: [REQUIRED] }],
          ['a missing password', { username: 'alice' }, { password: [REQUIRED] }],
          [
            'blank and null fields',
            { username: '', password: null },
            {
              username: ['This field may not be blank.'],
              password: ['This field may not be null.'],
            },
          ],
          [
            'a list for a string',
            { username: ['alice'], password: 'x' },
            { username: ['Not a valid string.'] },
          ],
          [
            'a list for the body',
            [alice],
            { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] },
          ],
          ['null for the body', null, { non_field_errors: ['No data provided'] }],
        ])('answers field errors for %s', async (_, body, errors) => {
          expectCore(await client.post('/api/token/', body), 400, errors)
        })

        it('answers field errors when there is no body, or a form without a field', async () => {
          const errors = { username: [REQUIRED], password: [REQUIRED] }
          expectCore(await client.post('/api/token/'), 400, errors)
          expectCore(await client.form('/api/token/', { username: 'alice' }), 400, {
            password: [REQUIRED],
          })
        })

        it('answers 400 for malformed JSON, never an error page', async () => {
          const reply = await client.raw('/api/token/', '{"username": ', 'application/json')
          expectCore(reply, 400, { detail: expect.stringMatching(/^JSON parse error - /) })
        })

        it('answers 415 for a media type it does not parse', async () => {
          expectCore(await client.raw('/api/token/', 'alice', 'text/plain'), 415, {
            detail: 'Unsupported media type "text/plain" in request.',
          })
        })

        it('reads a body of MAX_BODY_BYTES and refuses a larger one with 413', async () => {
          const json = JSON.stringify(alice)
          const padded = json.padEnd(MAX_BODY_BYTES, ' ')
          expectCore(await client.raw('/api/token/', padded, 'application/json'), 200, {
            refresh: expect.any(String),
            access: expect.any(String),
          })
          const tooLarge = { detail: 'Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.' }
          expectCore(
            await client.raw('/api/token/', `${padded} `, 'application/json'),
            413,
            tooLarge,
          )
          // Without a content-length: the adapter stops keeping chunks past the limit.
          const chunk = new TextEncoder().encode(' '.repeat(64 * 1024))
          let sent = 0
          const stream = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent > MAX_BODY_BYTES) return controller.close()
              sent += chunk.length
              controller.enqueue(chunk)
            },
          })
          const reply = await client.request('POST', '/api/token/', {
            body: stream,
            headers: { 'content-type': 'application/json' },
            duplex: 'half',
          } as RequestInit)
          expectCore(reply, 413, tooLarge)
        })

        it('answers in the language that Accept-Language asks for', async () => {
          const wrong = { username: 'alice', password: 'wrong' }
          expectCore(
            await client.post('/api/token/', wrong, KO),
            401,
            {
              detail: '지정된 자격 증명에 해당하는 활성화된 사용자를 찾을 수 없습니다',
            },
            { language: 'ko' },
          )
          expectCore(
            await client.post('/api/token/', {}, KO),
            400,
            {
              username: ['이 필드는 필수 항목입니다.'],
              password: ['이 필드는 필수 항목입니다.'],
            },
            { language: 'ko' },
          )
        })
      })

      describe('POST /api/token/refresh/', () => {
        it('issues a new access token, and no refresh token without rotation', async () => {
          const { refresh } = await pair()
          const reply = await client.post('/api/token/refresh/', { refresh })
          expectCore(reply, 200, { access: expect.any(String) })
          expect(claims(field(reply, 'access'))).toMatchObject({ token_type: 'access', user_id: 1 })
          expectCore(await client.form('/api/token/refresh/', { refresh }), 200, {
            access: expect.any(String),
          })
        })

        it('refuses an access token, a malformed token and a missing field', async () => {
          const { access } = await pair()
          expectCore(await client.post('/api/token/refresh/', { refresh: access }), 401, WRONG_TYPE)
          expectCore(await client.post('/api/token/refresh/', { refresh: 'garbage' }), 401, INVALID)
          expectCore(await client.post('/api/token/refresh/', {}), 400, { refresh: [REQUIRED] })
          expectCore(
            await client.post('/api/token/refresh/', { refresh: 'garbage' }, KO),
            401,
            { detail: KO_INVALID, code: 'token_not_valid' },
            { language: 'ko' },
          )
        })
      })

      describe('POST /api/token/verify/', () => {
        it('accepts any valid token, of any type', async () => {
          const { refresh, access } = await pair()
          expectCore(await client.post('/api/token/verify/', { token: access }), 200, {})
          expectCore(await client.form('/api/token/verify/', { token: refresh }), 200, {})
        })

        it('refuses malformed and expired tokens and a missing field', async () => {
          const expired = await accessFor(1, NOW - 3_600_000)
          expectCore(await client.post('/api/token/verify/', { token: 'garbage' }), 401, INVALID)
          expectCore(await client.post('/api/token/verify/', { token: expired }), 401, INVALID)
          expectCore(await client.post('/api/token/verify/', {}), 400, { token: [REQUIRED] })
        })
      })

      describe('POST /api/token/blacklist/', () => {
        it('blacklists a refresh token once, which then no longer refreshes', async () => {
          const { refresh } = await pair()
          expectCore(await client.post('/api/token/blacklist/', { refresh }), 200, {})
          expectCore(await client.post('/api/token/blacklist/', { refresh }), 401, BLACKLISTED)
          expectCore(await client.post('/api/token/refresh/', { refresh }), 401, BLACKLISTED)
        })

        it('refuses an access token and a missing field', async () => {
          const { access } = await pair()
          expectCore(
            await client.post('/api/token/blacklist/', { refresh: access }),
            401,
            WRONG_TYPE,
          )
          expectCore(await client.post('/api/token/blacklist/', {}), 400, { refresh: [REQUIRED] })
        })
      })

      describe('POST /api/token/sliding/ and /api/token/sliding/refresh/', () => {
        it('issues a sliding token and refreshes it', async () => {
          const reply = await client.post('/api/token/sliding/', alice)
          expectCore(reply, 200, { token: expect.any(String) })
          expect(claims(field(reply, 'token'))).toEqual({
            token_type: 'sliding',
            exp: NOW_SECONDS + 300,
            iat: NOW_SECONDS,
            jti: JTI,
            refresh_exp: NOW_SECONDS + 86_400,
            user_id: 1,
          })
          const token = field(reply, 'token')
          const refreshed = await client.form('/api/token/sliding/refresh/', { token })
          expectCore(refreshed, 200, { token: expect.any(String) })
          expect(claims(field(refreshed, 'token'))).toMatchObject({
            token_type: 'sliding',
            user_id: 1,
          })
        })

        it('refuses bad credentials, a bad token and missing fields', async () => {
          const bob = { username: 'bob', password: 'bob-password' }
          expectCore(await client.post('/api/token/sliding/', bob), 401, NO_ACCOUNT)
          expectCore(await client.post('/api/token/sliding/', { username: 'alice' }), 400, {
            password: [REQUIRED],
          })
          const { access } = await pair()
          expectCore(
            await client.post('/api/token/sliding/refresh/', { token: access }),
            401,
            WRONG_TYPE,
          )
          expectCore(
            await client.post('/api/token/sliding/refresh/', { token: 'garbage' }),
            401,
            INVALID,
          )
          expectCore(await client.post('/api/token/sliding/refresh/', {}), 400, {
            token: [REQUIRED],
          })
        })
      })

      describe('GET /api/some-protected-view/ (requireAuth)', () => {
        it('answers the user and the token payload', async () => {
          const { access } = await pair()
          const reply = await client.get('/api/some-protected-view/', auth(access))
          expect(reply).toMatchObject({
            status: 200,
            body: { user: { id: 1, username: 'alice' }, token: claims(access) },
          })
        })

        it.each([
          ['no header', {}],
          ['another scheme', { authorization: 'Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=' }],
          ['a scheme in another case', { authorization: 'bearer abc' }],
        ])('answers 401 "not provided" for %s', async (_, headers) => {
          expectCore(await client.get('/api/some-protected-view/', headers), 401, NOT_PROVIDED)
        })

        it('answers 401 for a header without exactly two values', async () => {
          for (const authorization of ['Bearer', 'Bearer a b']) {
            expectCore(
              await client.get('/api/some-protected-view/', { authorization }),
              401,
              BAD_HEADER,
            )
          }
        })

        it('refuses an Authorization header sent twice, joined by a comma as Django joins it', async () => {
          const { access } = await pair()
          const twice = (values: string[]) =>
            client.getRepeated('/api/some-protected-view/', { authorization: values })
          expectCore(await twice([`Bearer ${access}`, `Bearer ${access}`]), 401, BAD_HEADER)
          expectCore(
            await twice([`Bearer ${access}`, 'x']),
            401,
            notValidForAnyType('Token is invalid or expired'),
          )
          expectCore(await twice(['Bearer', access]), 401, NOT_PROVIDED)
        })

        it('answers 401 with each token class’s reason for a token it refuses', async () => {
          const { refresh } = await pair()
          const sliding = field(await client.post('/api/token/sliding/', alice), 'token')
          const expired = await accessFor(1, NOW - 3_600_000)
          const cases: Array<[string, string]> = [
            ['garbage', 'Token is invalid or expired'],
            [expired, 'Token is invalid or expired'],
            [refresh, 'Token has wrong type'],
            [sliding, 'Token has wrong type'],
          ]
          for (const [token, message] of cases) {
            const reply = await client.get('/api/some-protected-view/', auth(token))
            expectCore(reply, 401, notValidForAnyType(message))
          }
        })

        it('answers 401 for an inactive or unknown user, or no user id', async () => {
          const { AccessToken } = await contractSimpleJWT()
          const noUserId = await new AccessToken().sign()
          const cases: Array<[string, unknown]> = [
            [await accessFor(2), { detail: 'User is inactive', code: 'user_inactive' }],
            [await accessFor(99), { detail: 'User not found', code: 'user_not_found' }],
            [noUserId, NO_USER_ID],
          ]
          for (const [token, body] of cases) {
            expectCore(await client.get('/api/some-protected-view/', auth(token)), 401, body)
          }
        })

        it('answers in the language that Accept-Language asks for', async () => {
          const reply = await client.get('/api/some-protected-view/', { ...auth('x'), ...KO })
          expectCore(
            reply,
            401,
            notValidForAnyType(KO_INVALID, '이 토큰은 모든 타입의 토큰에 대해 유효하지 않습니다'),
            { language: 'ko' },
          )
        })
      })

      describe("GET /api/admin-only-view/ (requireAuth, permission 'staff')", () => {
        it('lets staff in', async () => {
          const reply = await client.get('/api/admin-only-view/', auth(await accessFor(3)))
          expect(reply).toMatchObject({ status: 200, body: { user: { id: 3, username: 'admin' } } })
        })

        it('answers 403 to other users, without a challenge', async () => {
          const { access } = await pair()
          expectCore(await client.get('/api/admin-only-view/', auth(access)), 403, DENIED)
          expectCore(
            await client.get('/api/admin-only-view/', { ...auth(access), ...KO }),
            403,
            { detail: '이 작업을 수행할 권한(permission)이 없습니다.' },
            { language: 'ko' },
          )
        })

        it('answers 401 without credentials', async () => {
          expectCore(await client.get('/api/admin-only-view/'), 401, NOT_PROVIDED)
        })
      })

      describe('GET /api/stateless-view/ (requireAuth, stateless)', () => {
        it('builds the user from the token alone, without looking it up', async () => {
          for (const id of [1, 2, 99]) {
            const token = await accessFor(id)
            const reply = await client.get('/api/stateless-view/', auth(token))
            expect(reply).toMatchObject({
              status: 200,
              body: { user: { id }, token: claims(token) },
            })
          }
        })

        it('answers 401 without credentials or with a bad token', async () => {
          expectCore(await client.get('/api/stateless-view/'), 401, NOT_PROVIDED)
          const reply = await client.get('/api/stateless-view/', auth('garbage'))
          expectCore(reply, 401, notValidForAnyType('Token is invalid or expired'))
        })
      })

      describe('GET /api/optional-view/ (authenticate)', () => {
        it('lets anonymous requests through, and sets the user when a token is valid', async () => {
          const anonymous = { status: 200, body: { user: null } }
          expect(await client.get('/api/optional-view/')).toMatchObject(anonymous)
          expect(
            await client.get('/api/optional-view/', { authorization: 'Basic abc' }),
          ).toMatchObject(anonymous)
          const { access } = await pair()
          expect(await client.get('/api/optional-view/', auth(access))).toMatchObject({
            status: 200,
            body: { user: { id: 1 } },
          })
        })

        it('answers 401 for a token it refuses', async () => {
          const reply = await client.get('/api/optional-view/', auth('garbage'))
          expectCore(reply, 401, notValidForAnyType('Token is invalid or expired'))
          const inactive = await client.get('/api/optional-view/', auth(await accessFor(2)))
          expectCore(inactive, 401, { detail: 'User is inactive', code: 'user_inactive' })
        })
      })

      it("answers DRF's 405 for another method on a token route, in the asked language", async () => {
        const reply = await client.get('/api/token/refresh/')
        expectCore(reply, 405, { detail: 'Method "GET" not allowed.' })
        expect(reply.headers.get('allow')).toBe('POST, OPTIONS')
        const ko = await client.get('/api/token/', { 'accept-language': 'ko' })
        expectCore(
          ko,
          405,
          { detail: '메소드(Method) "GET"는 허용되지 않습니다.' },
          { language: 'ko' },
        )
      })

      it("leaves other paths to the framework's 404", async () => {
        expect((await client.post('/api/token/unknown/', alice)).status).toBe(404)
      })
    })

    describe('with AUTH_HEADER_NAME HTTP_X_ACCESS_TOKEN and AUTH_HEADER_TYPES ["JWT"]', () => {
      const { client, sjwt } = serve(start, {
        AUTH_HEADER_NAME: 'HTTP_X_ACCESS_TOKEN',
        AUTH_HEADER_TYPES: ['JWT'],
      })
      const challenge = 'JWT realm="api"'
      const access = async () => (await sjwt().AccessToken.forUser({ id: 1 })).sign()

      it('reads the token from X-Access-Token with the JWT type', async () => {
        const reply = await client.get('/api/some-protected-view/', {
          'x-access-token': `JWT ${await access()}`,
        })
        expect(reply).toMatchObject({ status: 200, body: { user: { id: 1, username: 'alice' } } })
      })

      it('ignores Authorization and other types', async () => {
        const token = await access()
        for (const headers of [auth(token), { 'x-access-token': `Bearer ${token}` }]) {
          const reply = await client.get('/api/some-protected-view/', headers)
          expectCore(reply, 401, NOT_PROVIDED, { challenge })
          expect(await client.get('/api/optional-view/', headers)).toMatchObject({
            status: 200,
            body: { user: null },
          })
        }
      })

      it('answers 401 with the JWT challenge, in the asked language', async () => {
        const headers = { 'x-access-token': 'JWT' }
        expectCore(await client.get('/api/some-protected-view/', headers), 401, BAD_HEADER, {
          challenge,
        })
        expectCore(
          await client.get('/api/some-protected-view/', { ...headers, ...KO }),
          401,
          {
            detail: '인증 헤더에는 공백으로 구분 된 두 개의 값이 포함되어야 합니다',
            code: 'bad_authorization_header',
          },
          { language: 'ko', challenge },
        )
        expectCore(await client.post('/api/token/verify/', { token: 'x' }), 401, INVALID, {
          challenge,
        })
      })
    })

    describe('with ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION', () => {
      const { client } = serve(start, {
        ROTATE_REFRESH_TOKENS: true,
        BLACKLIST_AFTER_ROTATION: true,
      })

      it('rotates the refresh token and blacklists the one used', async () => {
        const { refresh } = (await client.post('/api/token/', alice)).body as { refresh: string }
        const rotated = await client.post('/api/token/refresh/', { refresh })
        expectCore(rotated, 200, { access: expect.any(String), refresh: expect.any(String) })
        expect(claims(field(rotated, 'refresh'))['jti']).not.toBe(claims(refresh)['jti'])

        expectCore(await client.post('/api/token/refresh/', { refresh }), 401, BLACKLISTED)
        expectCore(await client.post('/api/token/verify/', { token: refresh }), 400, {
          non_field_errors: ['Token is blacklisted'],
        })
        const next = await client.post('/api/token/refresh/', {
          refresh: field(rotated, 'refresh'),
        })
        expectCore(next, 200, { access: expect.any(String), refresh: expect.any(String) })
        const view = await client.get('/api/some-protected-view/', auth(field(next, 'access')))
        expect(view).toMatchObject({ status: 200, body: { user: { id: 1, username: 'alice' } } })
      })
    })

    describe('with stores that answer later, as networked stores do', () => {
      const { client } = serve(start, {}, { stores: 'later' })

      it('authenticates, refuses and lets anonymous requests through as with stores that answer at once', async () => {
        const access = field(await client.post('/api/token/', alice), 'access')
        expect(await client.get('/api/some-protected-view/', auth(access))).toMatchObject({
          status: 200,
          body: { user: { id: 1, username: 'alice' }, token: claims(access) },
        })
        expect(await client.get('/api/optional-view/', auth(access))).toMatchObject({
          status: 200,
          body: { user: { id: 1 } },
        })
        expect(await client.get('/api/optional-view/')).toMatchObject({
          status: 200,
          body: { user: null },
        })
        const inactive = { detail: 'User is inactive', code: 'user_inactive' }
        for (const path of ['/api/some-protected-view/', '/api/optional-view/']) {
          expectCore(await client.get(path, auth(await accessFor(2))), 401, inactive)
        }
        expectCore(await client.get('/api/admin-only-view/', auth(access)), 403, DENIED)
        expectCore(await client.get('/api/some-protected-view/'), 401, NOT_PROVIDED)
      })
    })

    describe('with a user store that is down', () => {
      const { client } = serve(start, {}, { stores: 'failing' })
      const UNAVAILABLE = {
        detail: 'Service temporarily unavailable, try again later.',
        code: 'store_unavailable',
      }

      it('refuses authenticated requests with 503 and still serves anonymous ones', async () => {
        const access = await accessFor(1)
        for (const path of ['/api/some-protected-view/', '/api/optional-view/']) {
          expectCore(await client.get(path, auth(access)), 503, UNAVAILABLE)
        }
        expect(await client.get('/api/stateless-view/', auth(access))).toMatchObject({
          status: 200,
          body: { user: { id: 1 } },
        })
        expect(await client.get('/api/optional-view/')).toMatchObject({
          status: 200,
          body: { user: null },
        })
      })
    })

    describe('without a TokenStore', () => {
      const { client } = serve(start, {}, { tokens: false })

      it('serves the token routes but the blacklist, which is not mounted', async () => {
        const reply = await client.post('/api/token/', alice)
        expectCore(reply, 200, { refresh: expect.any(String), access: expect.any(String) })
        const refresh = field(reply, 'refresh')
        expectCore(await client.post('/api/token/refresh/', { refresh }), 200, {
          access: expect.any(String),
        })
        expect((await client.post('/api/token/blacklist/', { refresh })).status).toBe(404)
      })
    })
  })
}
