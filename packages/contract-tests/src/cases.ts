/**
 * The requests of the contract, as cases: each case runs the same script against every side (the
 * reference and each demo app, each on its own state) and records each response as a step.
 */
import { AUDIENCE, ISSUER } from './profiles'
import type { Reply, Step } from './shape'
import { type Body, field, type Kit, type RequestHeaders, type Side } from './sides'

const TOKEN = '/api/token/'
const REFRESH = '/api/token/refresh/'
const VERIFY = '/api/token/verify/'
const BLACKLIST = '/api/token/blacklist/'
const SLIDING = '/api/token/sliding/'
const SLIDING_REFRESH = '/api/token/sliding/refresh/'
const PROTECTED = '/api/some-protected-view/'
const ADMIN_ONLY = '/api/admin-only-view/'
const STATELESS = '/api/stateless-view/'
const REGISTER = '/api/register/'

const alice = { username: 'alice', password: 'alice-password' }
const bob = { username: 'bob', password: 'bob-password' }
const admin = { username: 'admin', password: 'admin-password' }

const ALICE = 1
const BOB = 2
const ADMIN = 3
/** A user id no user has. */
const NOBODY = 99
/** A token no server issued: three base64url segments that decode to nothing. */
const GARBAGE = 'not.a.token'

interface StepOptions<H = Readonly<Record<string, string>>> {
  /** Said in the step's label, after the request. */
  readonly note?: string
  readonly headers?: H
  readonly compare?: Step['compare']
}

/** Runs one case's requests against one side, recording every response it is asked to. */
export class Script {
  readonly steps: Step[] = []
  readonly side: Side
  readonly kit: Kit

  constructor(side: Side, kit: Kit) {
    this.side = side
    this.kit = kit
  }

  async post(path: string, body?: Body, options: StepOptions = {}): Promise<Reply> {
    const reply = await this.side.post(path, body, options.headers)
    this.#record(`POST ${path}`, reply, options)
    return reply
  }

  /** `headers` may give a header several values, sent as a line each. */
  async get(path: string, options: StepOptions<RequestHeaders> = {}): Promise<Reply> {
    const reply = await this.side.get(path, options.headers)
    this.#record(`GET ${path}`, reply, options)
    return reply
  }

  /** A POST of `text` with headers that may repeat (see `Side.postRepeated`). */
  async postRepeated(path: string, text: string, headers: RequestHeaders, note: string) {
    const reply = await this.side.postRepeated(path, text, headers)
    this.#record(`POST ${path}`, reply, { note })
    return reply
  }

  /** A pair from this side's obtain endpoint (a password checked), not recorded. */
  async login(user: Record<string, string> = alice): Promise<{ refresh: string; access: string }> {
    const reply = await this.side.post(TOKEN, { json: user })
    return { refresh: field(reply, 'refresh'), access: field(reply, 'access') }
  }

  /**
   * A pair for the user with this id, minted by the reference (see `Kit.mint`): for the cases
   * about using tokens rather than obtaining them. Each side gets a pair of its own.
   */
  pair(userId = ALICE): Promise<{ refresh: string; access: string }> {
    return this.kit.mintPair(userId)
  }

  /** The profile's auth header for `token`. */
  auth(token: string, type?: string): Record<string, string> {
    return this.kit.auth(token, type)
  }

  #record(request: string, reply: Reply, { note, compare }: StepOptions<unknown>): void {
    const label = `${request}${note === undefined ? '' : ` (${note})`}`
    this.steps.push(compare === undefined ? { label, reply } : { label, reply, compare })
  }
}

export interface Case {
  readonly name: string
  readonly run: (script: Script) => Promise<void>
  /**
   * A deliberate difference from simplejwt 5.2.2 (the repository README's list): the responses are
   * not compared; each side's statuses, step by step, are asserted instead.
   */
  readonly difference?: {
    readonly reason: string
    readonly reference: readonly number[]
    readonly demo: readonly number[]
  }
}

const now = () => Math.floor(Date.now() / 1000)

/** `token` with the signature of `other`: well formed, correctly encoded, wrongly signed. */
function resigned(token: string, other: string): string {
  return `${token.split('.').slice(0, 2).join('.')}.${other.split('.')[2]}`
}

export const CASES: readonly Case[] = [
  {
    name: 'obtain a pair: JSON, form and multipart bodies',
    run: async (s) => {
      await s.post(TOKEN, { json: alice }, { note: 'JSON' })
      await s.post(TOKEN, { form: alice }, { note: 'form-urlencoded' })
      await s.post(TOKEN, { multipart: admin }, { note: 'multipart, admin' })
    },
  },
  {
    name: 'obtain: refused credentials',
    run: async (s) => {
      await s.post(TOKEN, { json: { ...alice, password: 'wrong-password' } }, { note: 'wrong' })
      await s.post(TOKEN, { json: { username: 'nobody', password: 'x' } }, { note: 'unknown' })
      await s.post(TOKEN, { json: bob }, { note: 'inactive bob' })
      await s.post(SLIDING, { json: bob }, { note: 'inactive bob' })
    },
  },
  {
    name: 'obtain: Content-Type sent twice (Django reads the first)',
    run: async (s) => {
      const text = JSON.stringify(alice)
      const twice = (types: string[], note: string) =>
        s.postRepeated(TOKEN, text, { 'content-type': types }, note)
      await twice(['application/json', 'text/plain'], 'JSON first')
      await twice(['text/plain', 'application/json'], 'JSON second')
    },
  },
  {
    name: 'obtain: missing and invalid fields',
    run: async (s) => {
      await s.post(TOKEN, { json: {} }, { note: 'empty object' })
      await s.post(TOKEN, undefined, { note: 'no body' })
      await s.post(TOKEN, { json: { username: 'alice' } }, { note: 'no password' })
      await s.post(TOKEN, { form: { password: 'x' } }, { note: 'no username, form' })
      await s.post(TOKEN, { json: { username: '', password: '' } }, { note: 'blank' })
      await s.post(TOKEN, { json: { username: null, password: 'x' } }, { note: 'null' })
      await s.post(TOKEN, { json: { username: 5, password: 'x' } }, { note: 'a number' })
      await s.post(SLIDING, { json: {} }, { note: 'empty object' })
    },
  },
  {
    name: 'obtain: bodies that cannot be parsed',
    run: async (s) => {
      const truncated = { raw: '{"username": "alice", ', contentType: 'application/json' }
      await s.post(TOKEN, truncated, { note: 'malformed JSON', compare: 'parse-error' })
      await s.post(TOKEN, { raw: 'alice', contentType: 'text/plain' }, { note: 'text/plain' })
    },
  },
  {
    name: 'refresh',
    run: async (s) => {
      const { refresh } = await s.login()
      const refreshed = await s.post(REFRESH, { json: { refresh } })
      await s.get(PROTECTED, { headers: s.auth(field(refreshed, 'access')), note: 'new access' })
      await s.post(REFRESH, { form: { refresh } }, { note: 'form' })
    },
  },
  {
    name: 'refresh: refused tokens and fields',
    run: async (s) => {
      const { access } = await s.pair()
      await s.post(REFRESH, { json: { refresh: access } }, { note: 'an access token' })
      const sliding = await s.kit.mint('sliding', ALICE)
      await s.post(REFRESH, { json: { refresh: sliding } }, { note: 'a sliding token' })
      await s.post(REFRESH, { json: { refresh: GARBAGE } }, { note: 'garbage' })
      await s.post(REFRESH, { json: { refresh: '' } }, { note: 'blank' })
      await s.post(REFRESH, { json: {} }, { note: 'missing' })
      const expired = await s.kit.mint('refresh', ALICE, { exp: now() - 3600 })
      await s.post(REFRESH, { json: { refresh: expired } }, { note: 'expired an hour ago' })
      const forged = resigned(await s.kit.mint('refresh', ADMIN), access)
      await s.post(REFRESH, { json: { refresh: forged } }, { note: 'wrong signature' })
    },
  },
  {
    name: 'verify',
    run: async (s) => {
      const { refresh, access } = await s.pair()
      await s.post(VERIFY, { json: { token: access } }, { note: 'access' })
      await s.post(VERIFY, { json: { token: refresh } }, { note: 'refresh' })
      await s.post(
        VERIFY,
        { json: { token: await s.kit.mint('sliding', ALICE) } },
        { note: 'sliding' },
      )
      await s.post(VERIFY, { form: { token: access } }, { note: 'access, form' })
      await s.post(VERIFY, { json: { token: GARBAGE } }, { note: 'garbage' })
      await s.post(VERIFY, { json: { token: resigned(access, refresh) } }, { note: 'forged' })
      await s.post(VERIFY, { json: {} }, { note: 'missing' })
      const expired = await s.kit.mint('access', ALICE, { exp: now() - 3600 })
      await s.post(VERIFY, { json: { token: expired } }, { note: 'expired' })
    },
  },
  {
    name: 'blacklist',
    run: async (s) => {
      const { refresh, access } = await s.pair()
      await s.post(BLACKLIST, { json: { refresh } }, { note: 'a refresh token' })
      await s.post(REFRESH, { json: { refresh } }, { note: 'the blacklisted token' })
      await s.post(BLACKLIST, { json: { refresh } }, { note: 'again' })
      await s.post(VERIFY, { json: { token: refresh } }, { note: 'the blacklisted token' })
      await s.get(PROTECTED, { headers: s.auth(access), note: 'its access token still works' })
      await s.post(BLACKLIST, { json: { refresh: access } }, { note: 'an access token' })
      await s.post(BLACKLIST, { json: { refresh: GARBAGE } }, { note: 'garbage' })
      await s.post(BLACKLIST, { json: {} }, { note: 'missing' })
      const other = await s.pair()
      await s.post(BLACKLIST, { form: { refresh: other.refresh } }, { note: 'form' })
    },
  },
  {
    name: 'refresh twice (rotation and blacklist after rotation, when the profile sets them)',
    run: async (s) => {
      const { refresh } = await s.pair()
      const first = await s.post(REFRESH, { json: { refresh } }, { note: 'first use' })
      await s.post(REFRESH, { json: { refresh } }, { note: 'second use' })
      await s.post(VERIFY, { json: { token: refresh } }, { note: 'the used token' })
      const rotated = (first.body as { refresh?: unknown }).refresh
      if (typeof rotated === 'string') {
        await s.post(REFRESH, { json: { refresh: rotated } }, { note: 'the rotated token' })
        await s.post(BLACKLIST, { json: { refresh: rotated } }, { note: 'the rotated token' })
      }
    },
  },
  {
    name: 'sliding tokens',
    run: async (s) => {
      const obtained = await s.post(SLIDING, { json: alice })
      const token = field(obtained, 'token')
      await s.post(SLIDING, { form: admin }, { note: 'admin, form' })
      await s.post(SLIDING_REFRESH, { json: { token } })
      await s.get(PROTECTED, { headers: s.auth(token), note: 'not an AUTH_TOKEN_CLASS' })
      const { access, refresh } = await s.pair()
      await s.post(SLIDING_REFRESH, { json: { token: access } }, { note: 'an access token' })
      await s.post(SLIDING_REFRESH, { json: { token: refresh } }, { note: 'a refresh token' })
      await s.post(SLIDING_REFRESH, { json: { token: GARBAGE } }, { note: 'garbage' })
      await s.post(SLIDING_REFRESH, { json: {} }, { note: 'missing' })
      const claim = { [s.kit.names.slidingRefreshExp]: now() - 60 }
      const expired = await s.kit.mint('sliding', ALICE, claim)
      await s.post(SLIDING_REFRESH, { json: { token: expired } }, { note: 'past refresh_exp' })
    },
  },
  {
    name: 'the protected view',
    run: async (s) => {
      const { access, refresh } = await s.pair()
      await s.get(PROTECTED, { headers: s.auth(access), note: 'valid' })
      await s.get(PROTECTED, { note: 'no header' })
      await s.get(PROTECTED, { headers: s.auth(access, 'Basic'), note: 'another scheme' })
      const type = s.kit.names.headerType
      await s.get(PROTECTED, { headers: { [s.kit.names.header]: type }, note: 'type alone' })
      await s.get(PROTECTED, { headers: s.auth(`${access} extra`), note: 'three values' })
      await s.get(PROTECTED, { headers: s.auth(GARBAGE), note: 'garbage' })
      await s.get(PROTECTED, { headers: s.auth(refresh), note: 'a refresh token' })
      await s.get(PROTECTED, { headers: s.auth(resigned(access, refresh)), note: 'forged' })
    },
  },
  {
    name: 'the protected view: the auth header sent twice (Django joins the two with a comma)',
    run: async (s) => {
      const { access } = await s.pair()
      const { header, headerType } = s.kit.names
      const value = `${headerType} ${access}`
      const twice = (values: string[], note: string) =>
        s.get(PROTECTED, { headers: { [header]: values }, note })
      await twice([value, value], 'the same twice')
      await twice([value, 'x'], 'then another value')
      await twice([headerType, access], 'the type, then the token')
      await twice(['x', value], 'another value first')
      await twice([value, ''], 'then an empty one')
      await twice(['', value], 'an empty one first')
    },
  },
  {
    name: 'the admin-only view',
    run: async (s) => {
      await s.get(ADMIN_ONLY, { headers: s.auth((await s.pair(ALICE)).access), note: 'alice' })
      await s.get(ADMIN_ONLY, { headers: s.auth((await s.pair(ADMIN)).access), note: 'admin' })
      await s.get(ADMIN_ONLY, { note: 'no header' })
    },
  },
  {
    name: 'the stateless view',
    run: async (s) => {
      const { access, refresh } = await s.pair()
      await s.get(STATELESS, { headers: s.auth(access), note: 'valid' })
      await s.get(STATELESS, { headers: s.auth(refresh), note: 'a refresh token' })
      await s.get(STATELESS, { note: 'no header' })
      const ghost = s.kit.sign(s.kit.claims('access', NOBODY))
      await s.get(STATELESS, { headers: s.auth(ghost), note: 'a user that does not exist' })
    },
  },
  {
    name: 'inactive and deleted users at the views',
    run: async (s) => {
      const bobs = await s.kit.mint('access', BOB)
      await s.get(PROTECTED, { headers: s.auth(bobs), note: 'inactive bob' })
      await s.get(STATELESS, { headers: s.auth(bobs), note: 'inactive bob, no lookup' })
      const ghost = s.kit.sign(s.kit.claims('access', NOBODY))
      await s.get(PROTECTED, { headers: s.auth(ghost), note: 'a user that does not exist' })
    },
  },
  {
    name: 'refresh for inactive and deleted users',
    difference: {
      reason:
        'deliberate difference 1: inactive and deleted users cannot refresh (5.2.2 issued them tokens)',
      reference: [200, 200, 200],
      demo: [401, 401, 401],
    },
    run: async (s) => {
      const bobs = await s.kit.mint('refresh', BOB)
      await s.post(REFRESH, { json: { refresh: bobs } }, { note: 'inactive bob' })
      const ghost = s.kit.sign(s.kit.claims('refresh', NOBODY))
      await s.post(REFRESH, { json: { refresh: ghost } }, { note: 'a user that does not exist' })
      const sliding = await s.kit.mint('sliding', BOB)
      await s.post(SLIDING_REFRESH, { json: { token: sliding } }, { note: 'inactive bob' })
    },
  },
  {
    name: 'expiry, with the LEEWAY of the profile',
    run: async (s) => {
      for (const ago of [10, 100]) {
        const token = await s.kit.mint('access', ALICE, { exp: now() - ago })
        const note = `expired ${ago} s ago`
        await s.get(PROTECTED, { headers: s.auth(token), note })
        await s.post(VERIFY, { json: { token } }, { note })
      }
      const future = await s.kit.mint('access', ALICE, { nbf: now() + 3600 })
      await s.get(PROTECTED, { headers: s.auth(future), note: 'not valid for an hour' })
    },
  },
  {
    name: 'audience and issuer claims',
    run: async (s) => {
      const { aud: _aud, iss: _iss, ...claims } = s.kit.claims('access', ALICE)
      const tokens = {
        'another audience': { ...claims, aud: 'another-audience', iss: ISSUER },
        'another issuer': { ...claims, aud: AUDIENCE, iss: 'https://another.issuer.test' },
        'no aud, no iss': claims,
        "the AUDIENCE and ISSUER profile's": { ...claims, aud: AUDIENCE, iss: ISSUER },
      }
      for (const [note, payload] of Object.entries(tokens)) {
        await s.get(PROTECTED, { headers: s.auth(s.kit.sign(payload)), note })
      }
    },
  },
  {
    name: 'register',
    run: async (s) => {
      const carol = { username: 'carol', password: 'carol-password' }
      const registered = await s.post(REGISTER, { json: carol }, { note: 'carol' })
      const access = field(registered, 'access')
      await s.get(PROTECTED, { headers: s.auth(access), note: "carol's access token" })
      await s.post(REFRESH, { json: { refresh: field(registered, 'refresh') } }, { note: 'hers' })
      await s.post(TOKEN, { json: carol }, { note: 'carol logs in' })
      await s.post(REGISTER, { json: { username: 'alice', password: 'x' } }, { note: 'taken' })
      await s.post(REGISTER, { json: carol }, { note: 'carol again' })
      await s.post(REGISTER, { json: {} }, { note: 'empty object' })
      await s.post(REGISTER, { json: { username: 'erin' } }, { note: 'no password' })
      await s.post(REGISTER, { json: { username: '', password: 'x' } }, { note: 'blank' })
      await s.post(REGISTER, undefined, { note: 'no body' })
      const dave = { username: 'dave', password: 'dave-password' }
      await s.post(REGISTER, { form: dave }, { note: 'dave, form' })
      const truncated = { raw: '{"username": ', contentType: 'application/json' }
      await s.post(REGISTER, truncated, { note: 'malformed JSON', compare: 'parse-error' })
    },
  },
]
