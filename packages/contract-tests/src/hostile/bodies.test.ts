/**
 * Hostile request bodies on the obtain and register endpoints (default profile): prototype keys
 * that must never grant staff, usernames that look like another's, JSON that is not quite JSON,
 * and form and multipart bodies with a field sent twice.
 */

import { DEFAULT } from '../profiles'
import type { Reply } from '../shape'
import { field, type Side } from '../sides'
import {
  ADMIN_ONLY,
  type Answer,
  describeHostile,
  type HostileCase,
  REGISTER,
  servesUser,
  TOKEN,
  view,
} from './harness'

const JSON_TYPE = 'application/json'
const FORBIDDEN: Answer = {
  status: 403,
  body: { detail: 'You do not have permission to perform this action.' },
}
const NO_ACCOUNT: Answer = {
  status: 401,
  body: { detail: 'No active account found with the given credentials' },
}
const REQUIRED = ['This field is required.']

/** POST of JSON text as it is (duplicate and prototype keys kept). */
function postJson(side: Side, path: string, text: string): Promise<Reply> {
  return side.post(path, { raw: text, contentType: JSON_TYPE })
}

/** The access token of a 200 or 201 reply, used on the admin-only and protected views. */
async function viewsWith(side: Side, reply: Reply): Promise<Reply[]> {
  if (reply.status !== 200 && reply.status !== 201) return [reply]
  const access = field(reply, 'access')
  return [reply, await view(side, access, ADMIN_ONLY), await view(side, access)]
}

/** A sign-up, then its token on the admin-only and protected views. */
async function signUp(side: Side, text: string): Promise<Reply[]> {
  return viewsWith(side, await postJson(side, REGISTER, text))
}

const TOKENS = { status: 201, match: {} }

/** A multipart body with these fields in this order (a name may repeat). */
function multipart(fields: readonly [string, string][]): { raw: string; contentType: string } {
  const boundary = 'hostile-boundary-7MA4YWxkTrZu0gW'
  const parts = fields.map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  )
  return {
    raw: `${parts.join('')}--${boundary}--\r\n`,
    contentType: `multipart/form-data; boundary=${boundary}`,
  }
}

const CASES: HostileCase[] = [
  // --- prototype keys (CVE-2019-10744, CVE-2018-3721: prototype pollution) ---------------------
  {
    name: 'prototype pollution: obtain with the credentials only under "__proto__"',
    send: (side) =>
      postJson(side, TOKEN, '{"__proto__": {"username": "admin", "password": "admin-password"}}'),
    expect: { status: 400, body: { username: REQUIRED, password: REQUIRED } },
  },
  {
    name: 'prototype pollution: obtain with "__proto__": {"is_staff": true} does not make staff',
    send: async (side) =>
      viewsWith(
        side,
        await postJson(
          side,
          TOKEN,
          '{"username": "alice", "password": "alice-password", "__proto__": {"is_staff": true, "isStaff": true}}',
        ),
      ),
    expect: [{ status: 200, match: {} }, FORBIDDEN, servesUser(1, 'alice')],
  },
  {
    name: 'prototype pollution: obtain with "constructor": {"prototype": {"isStaff": true}}',
    send: async (side) =>
      viewsWith(
        side,
        await postJson(
          side,
          TOKEN,
          '{"username": "alice", "password": "alice-password", "constructor": {"prototype": {"is_staff": true, "isStaff": true}}}',
        ),
      ),
    expect: [{ status: 200, match: {} }, FORBIDDEN, servesUser(1, 'alice')],
  },
  {
    name: 'prototype pollution: sign-up with "__proto__": {"is_staff": true} does not make staff',
    send: (side) =>
      signUp(
        side,
        '{"username": "mallory", "password": "mallory-password", "__proto__": {"is_staff": true, "isStaff": true, "is_superuser": true}}',
      ),
    expect: [TOKENS, FORBIDDEN, { status: 200, match: { user: { username: 'mallory' } } }],
  },
  {
    name: 'prototype pollution: sign-up with "constructor": {"prototype": {"isStaff": true}}',
    send: (side) =>
      signUp(
        side,
        '{"username": "mallory2", "password": "mallory-password", "constructor": {"prototype": {"is_staff": true, "isStaff": true}}}',
      ),
    expect: [TOKENS, FORBIDDEN, { status: 200, match: { user: { username: 'mallory2' } } }],
  },
  {
    name: 'prototype pollution: a plain sign-up afterwards is still not staff (nothing leaked into Object.prototype)',
    send: (side) => signUp(side, '{"username": "trudy", "password": "trudy-password"}'),
    expect: [TOKENS, FORBIDDEN, { status: 200, match: { user: { username: 'trudy' } } }],
  },
  // --- usernames (CVE-2019-19844: Unicode case and homoglyph confusion of accounts) -----------
  {
    name: "username with a NUL byte: its own account, never alice's",
    send: (side) => signUp(side, '{"username": "ali\\u0000ce", "password": "nul-password"}'),
    expect: [TOKENS, FORBIDDEN, { status: 200, match: { user: { username: 'ali\u0000ce' } } }],
  },
  {
    name: 'username with a right-to-left override (CVE-2021-42574, Trojan Source): its own account',
    send: (side) => signUp(side, '{"username": "\\u202eecila", "password": "rtl-password"}'),
    expect: [TOKENS, FORBIDDEN, { status: 200, match: { user: { username: '\u202eecila' } } }],
  },
  {
    name: 'username with a Cyrillic homoglyph of alice: its own account',
    send: (side) => signUp(side, '{"username": "\\u0430lice", "password": "homoglyph-password"}'),
    expect: [TOKENS, FORBIDDEN, { status: 200, match: { user: { username: '\u0430lice' } } }],
  },
  {
    name: "homoglyph login: the Cyrillic alice with alice's password is not alice",
    send: (side) =>
      postJson(side, TOKEN, '{"username": "\\u0430lice", "password": "alice-password"}'),
    expect: NO_ACCOUNT,
  },
  {
    name: 'CVE-2019-19844 (Unicode look-alikes): sign-up as full-width "ａｌｉｃｅ", which is alice in NFKC',
    send: (side) =>
      signUp(
        side,
        '{"username": "\\uff41\\uff4c\\uff49\\uff43\\uff45", "password": "wide-password"}',
      ),
    expect: { status: 400, body: { detail: 'username taken' } },
    // Django's create_user normalizes to "alice" after the view's check: an IntegrityError.
    reference: { readme: 18, answer: { status: 500 } },
  },
  {
    name: 'login as ALICE (another case): not alice',
    send: (side) => postJson(side, TOKEN, '{"username": "ALICE", "password": "alice-password"}'),
    expect: NO_ACCOUNT,
  },
  // --- JSON that is not quite JSON (RFC 8259) --------------------------------------------------
  {
    name: 'RFC 8259 §8.1: JSON with a byte order mark',
    send: (side) =>
      postJson(side, TOKEN, '\ufeff{"username": "alice", "password": "alice-password"}'),
    expect: { status: 400, parseError: true },
  },
  {
    name: 'RFC 8259 §2: JSON with comments',
    send: (side) =>
      postJson(side, TOKEN, '{"username": "alice", /* admin */ "password": "alice-password"}'),
    expect: { status: 400, parseError: true },
  },
  {
    name: 'RFC 8259 §4: JSON naming "username" twice: the last, as Python reads it',
    send: (side) =>
      postJson(
        side,
        TOKEN,
        '{"username": "alice", "username": "admin", "password": "alice-password"}',
      ),
    expect: NO_ACCOUNT,
  },
  // --- a field sent twice (HTTP parameter pollution) -------------------------------------------
  {
    name: 'parameter pollution: a form naming "username" twice, read as Django reads it (the last)',
    send: (side) =>
      side.post(TOKEN, {
        raw: 'username=admin&username=alice&password=alice-password',
        contentType: 'application/x-www-form-urlencoded',
      }),
    expect: { status: 200, match: {} },
  },
  {
    name: 'parameter pollution: a multipart body naming "username" twice (the last)',
    send: (side) =>
      side.post(
        TOKEN,
        multipart([
          ['username', 'admin'],
          ['username', 'alice'],
          ['password', 'alice-password'],
        ]),
      ),
    expect: { status: 200, match: {} },
  },
  {
    name: 'parameter pollution: a multipart body naming "password" twice, the right one first',
    send: (side) =>
      side.post(
        TOKEN,
        multipart([
          ['username', 'alice'],
          ['password', 'alice-password'],
          ['password', 'wrong'],
        ]),
      ),
    expect: NO_ACCOUNT,
  },
]

describeHostile('hostile bodies (obtain and register)', DEFAULT, CASES)
