/**
 * Hostile claims and hostile state on the default profile (HS256): claim values of every JSON
 * type and beyond JavaScript's numbers, user ids that must never name another user, token types in
 * other cases and types, a blacklisted refresh token on every route, a user that does not exist.
 *
 * Not here: a token signed by a rotated-out key, since the demos have no key rotation yet.
 */
import { expect } from 'vitest'
import { DEFAULT } from '../profiles'
import type { Reply } from '../shape'
import { field, type Kit, type Side } from '../sides'
import {
  ADMIN_ONLY,
  ALICE,
  type Answer,
  BLACKLIST,
  bearer,
  describeHostile,
  type HostileCase,
  invalidAccess,
  invalidToken,
  PROTECTED,
  REFRESH,
  SLIDING_REFRESH,
  STATELESS,
  servesUser,
  signText,
  TOKEN,
  VERIFY,
  view,
} from './harness'

const HS = '{"alg":"HS256","typ":"JWT"}'

/** An access token for alice whose claim `name` is the JSON text `value`. */
function withClaim(kit: Kit, name: string, value: string, userId: unknown = 1): string {
  const claims = kit.claims('access', userId)
  delete claims[name]
  return signText(DEFAULT, HS, `${JSON.stringify(claims).slice(0, -1)},"${name}":${value}}`)
}

const USER_NOT_FOUND: Answer = {
  status: 401,
  body: { detail: 'User not found', code: 'user_not_found' },
}

/** A JSON claim value of each type (and the numbers beyond a double's reach). */
const VALUES = {
  string: '"9999999999"',
  true: 'true',
  false: 'false',
  null: 'null',
  array: '[9999999999]',
  object: '{"$numberLong":"9999999999"}',
  huge: '1e400',
} as const

type ValueType = keyof typeof VALUES

/**
 * What the reference answers where it is not the demos' 401: a 500 where Python's `int()` or
 * `datetime` fails on the value, a 200 where `int(True)` and `int(False)` make booleans times.
 */
const REFERENCE: Readonly<Record<string, Partial<Record<ValueType, Answer>>>> = {
  exp: {
    string: { status: 500 },
    null: { status: 500 },
    array: { status: 500 },
    object: { status: 500 },
    huge: { status: 500 },
  },
  nbf: {
    true: servesUser(1, 'alice'),
    false: servesUser(1, 'alice'),
    null: { status: 500 },
    array: { status: 500 },
    object: { status: 500 },
    huge: { status: 500 },
  },
  iat: {
    string: { status: 500 },
    true: servesUser(1, 'alice'),
    false: servesUser(1, 'alice'),
    null: { status: 500 },
    array: { status: 500 },
    object: { status: 500 },
    huge: { status: 500 },
  },
}

const claimCases: HostileCase[] = (['exp', 'nbf', 'iat'] as const).flatMap((claim) =>
  (Object.keys(VALUES) as ValueType[]).map((type): HostileCase => {
    const base: HostileCase = {
      name: `RFC 7519 §4.1.4-6: "${claim}" as ${type} (${VALUES[type]})`,
      send: (side, kit) => view(side, withClaim(kit, claim, VALUES[type])),
      expect: invalidAccess(),
    }
    const answer = REFERENCE[claim]?.[type]
    return answer === undefined ? base : { ...base, reference: { readme: 8, answer } }
  }),
)

const TOKEN_TYPES = ['"ACCESS"', '"Access"', '"access "', '["access"]', '1', 'null', 'true']

const typeCases: HostileCase[] = TOKEN_TYPES.map((value) => ({
  name: `RFC 8725 §3.11 (explicit typing): "token_type" as ${value} is the wrong type`,
  send: (side, kit) => view(side, withClaim(kit, 'token_type', value)),
  expect: invalidAccess('Token has wrong type'),
}))

/** alice's pair from this side's obtain endpoint. */
async function login(side: Side): Promise<{ refresh: string; access: string }> {
  const reply = await side.post(TOKEN, { json: ALICE })
  return { refresh: field(reply, 'refresh'), access: field(reply, 'access') }
}

const BLACKLISTED = invalidToken('Token is blacklisted')

const CASES: HostileCase[] = [
  // --- numbers and user ids ------------------------------------------------------------------
  {
    name: 'RFC 7519 §2 (NumericDate): "exp" beyond 2^53 is a far future (read as 2^53)',
    send: (side, kit) => view(side, withClaim(kit, 'exp', '9007199254740993')),
    expect: servesUser(1, 'alice'),
    // Python's datetime ends in the year 9999.
    reference: { readme: 8, answer: { status: 500 } },
  },
  ...claimCases,
  {
    name: 'RFC 7519 §2 (NumericDate): a fractional "exp" in the future is a time, as the reference reads it',
    send: (side, kit) =>
      view(side, withClaim(kit, 'exp', `${Math.floor(Date.now() / 1000) + 300}.75`)),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'RFC 7519 §2 (NumericDate): a fractional "exp" just past is expired',
    send: (side, kit) =>
      view(side, withClaim(kit, 'exp', `${Math.floor(Date.now() / 1000) - 2}.99`)),
    expect: invalidAccess(),
  },
  {
    name: 'user id as the string "1": the user whose id is 1, as Django looks it up',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '"1"')),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'user id as a string naming another user by SQL ("2 OR 1=1"): nobody',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '"3 OR 1=1"')),
    expect: USER_NOT_FOUND,
    // Django's integer field raises ValueError on the lookup.
    reference: { readme: 11, answer: { status: 500 } },
  },
  {
    name: 'user id as the float 1.0: alice, the same number',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '1.0')),
    expect: servesUser(1, 'alice'),
  },
  {
    name: 'user id as the float 1.5: never the user 1',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '1.5')),
    expect: USER_NOT_FOUND,
    // Django's integer field truncates 1.5 to 1: the token of "user 1.5" opens alice's account.
    reference: { readme: 11, answer: servesUser(1, 'alice') },
  },
  {
    name: 'user id -1: nobody',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '-1')),
    expect: USER_NOT_FOUND,
  },
  {
    name: 'user id 2^53 + 1 (read as 2^53 in JavaScript): nobody',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '9007199254740993')),
    expect: USER_NOT_FOUND,
  },
  {
    name: "user id 2^64 + 1, beyond SQLite's integers: nobody",
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '18446744073709551617')),
    expect: USER_NOT_FOUND,
    reference: { readme: 11, answer: { status: 500 } },
  },
  {
    name: 'user id 1e400 (infinite in both languages): nobody',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '1e400')),
    expect: USER_NOT_FOUND,
    reference: { readme: 11, answer: { status: 500 } },
  },
  {
    name: 'user id as an object {"id": 3}: nobody',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '{"id":3}')),
    expect: USER_NOT_FOUND,
    reference: { readme: 11, answer: { status: 500 } },
  },
  ...typeCases,
  // --- state ---------------------------------------------------------------------------------
  {
    name: 'RFC 7009 §2: a blacklisted refresh token, on every route',
    send: async (side) => {
      const { refresh } = await login(side)
      const replies: Reply[] = [await side.post(BLACKLIST, { json: { refresh } })]
      replies.push(await side.post(BLACKLIST, { json: { refresh } }))
      replies.push(await side.post(REFRESH, { json: { refresh } }))
      replies.push(await side.post(VERIFY, { json: { token: refresh } }))
      replies.push(await side.post(SLIDING_REFRESH, { json: { token: refresh } }))
      replies.push(await view(side, refresh))
      replies.push(await view(side, refresh, STATELESS))
      replies.push(await view(side, refresh, ADMIN_ONLY))
      return replies
    },
    expect: [
      { status: 200, body: {} },
      BLACKLISTED,
      BLACKLISTED,
      // simplejwt 5.2.2's verify endpoint checks the signature and claims only (the blacklist
      // just with BLACKLIST_AFTER_ROTATION), as the reference answers.
      { status: 200, body: {} },
      BLACKLISTED,
      invalidAccess('Token has wrong type'),
      invalidAccess('Token has wrong type'),
      invalidAccess('Token has wrong type'),
    ],
  },
  {
    name: 'RFC 4648 §3.5: a blacklisted refresh token with other trailing bits is still blacklisted',
    send: async (side) => {
      const { refresh } = await login(side)
      await side.post(BLACKLIST, { json: { refresh } })
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const other = alphabet[alphabet.indexOf(refresh.slice(-1)) ^ 1] ?? ''
      const variant = `${refresh.slice(0, -1)}${other}`
      return [
        await side.post(REFRESH, { json: { refresh: variant } }),
        await side.post(BLACKLIST, { json: { refresh: variant } }),
      ]
    },
    expect: [BLACKLISTED, BLACKLISTED],
  },
  {
    name: 'a correctly signed access token for a user that does not exist (deleted)',
    send: (side, kit) => view(side, withClaim(kit, 'user_id', '99')),
    expect: USER_NOT_FOUND,
  },
  {
    name: 'a correctly signed refresh token for a user that does not exist (deleted)',
    send: (side, kit) => {
      const claims = kit.claims('refresh', 99, 3600)
      return side.post(REFRESH, {
        json: { refresh: signText(DEFAULT, HS, JSON.stringify(claims)) },
      })
    },
    expect: {
      status: 401,
      body: { detail: 'No active account found for the given token.' },
    },
    reference: { readme: 1, answer: { status: 200, match: { access: expect.any(String) } } },
  },
  {
    name: 'an access token in the refresh field, and the refresh in the Authorization header',
    send: async (side) => {
      const { refresh, access } = await login(side)
      return [
        await side.post(REFRESH, { json: { refresh: access } }),
        await side.get(PROTECTED, bearer(refresh)),
      ]
    },
    expect: [invalidToken('Token has wrong type'), invalidAccess('Token has wrong type')],
  },
]

describeHostile('hostile claims and state (HS256)', DEFAULT, CASES)
