// authenticate() answers at once when nothing has to be waited for; a subclass that overrides one
// of the methods it goes through is still called, sync or async.
import { describe, expect, it } from 'vitest'
import { TokenError } from './errors'
import { MemoryUserStore } from './memory'
import { createSimpleJWT, SimpleJWT } from './simplejwt'
import type { AuthUser } from './stores'
import { AccessToken, type Token, TokenUser } from './tokens'

const SECRET = 'contract-secret-key-0123456789abcdef'
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const ALICE = { id: 1, username: 'alice' }

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

async function setup(classes: readonly (typeof AccessToken)[] = [AccessToken]) {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, AUTH_TOKEN_CLASSES: classes, VERIFIED_TOKEN_CACHE: false },
    users: await MemoryUserStore.create([{ ...ALICE, password: 'alice-password' }]),
    clock: () => T0,
  })
}

describe('authenticate() with overrides', () => {
  it.each([
    ['async', async () => {}],
    ['sync', () => undefined],
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is no Promise is this case.
    ['thenable', () => ({ then: (resolve: () => void) => resolve() })],
  ])('awaits a token class verify() that is %s, and its refusals', async (_, pass) => {
    const calls: string[] = []
    class Checked extends AccessToken {
      override verify(): Promise<void> {
        calls.push(String(this.get('user_id')))
        if (this.get('blocked') === true) throw new TokenError({ template: 'Blocked', args: [] })
        return pass() as Promise<void>
      }
    }
    const sjwt = await setup([Checked])
    const ok = await sjwt.AccessToken.forUser(ALICE)
    const blocked = await sjwt.AccessToken.forUser(ALICE)
    blocked.set('blocked', true)
    expect((await sjwt.authenticate(bearer(await ok.sign()))).status).toBe('authenticated')
    const refused = await sjwt.authenticate(bearer(await blocked.sign()))
    expect(refused.status === 'failed' && refused.response.body).toMatchObject({
      messages: [{ token_class: 'Checked', message: 'Blocked' }],
    })
    expect(calls).toEqual(['1', '1'])
  })

  it('calls a token class that overrides decode()', async () => {
    let decoded = 0
    class Counted extends AccessToken {
      static override async decode<T extends Token>(
        this: new () => T,
        token: unknown,
        options?: { verify?: boolean },
      ): Promise<T> {
        decoded++
        return (AccessToken.decode as typeof Counted.decode).call(
          this,
          token,
          options,
        ) as Promise<T>
      }
    }
    const sjwt = await setup([Counted])
    const token = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    expect((await sjwt.authenticate(bearer(token))).status).toBe('authenticated')
    expect(decoded).toBe(1)
  })

  it('calls validatedToken() and tokenUser() when a subclass overrides them', async () => {
    const calls: string[] = []
    class Audited<U extends AuthUser> extends SimpleJWT<U> {
      override async validatedToken(raw: string): Promise<Token> {
        calls.push('validatedToken')
        return super.validatedToken(raw)
      }
      override tokenUser(token: Token, options = {}): U | TokenUser | Promise<U | TokenUser> {
        calls.push('tokenUser')
        return super.tokenUser(token, options)
      }
    }
    const base = await setup()
    const sjwt = new Audited(base.settings, await prepared(base), {
      users: base.users as MemoryUserStore,
      clock: () => T0,
    })
    const token = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    for (const stateless of [true, false]) {
      const outcome = await sjwt.authenticate(bearer(token), { stateless })
      expect(outcome.status).toBe('authenticated')
      if (outcome.status === 'authenticated' && stateless) {
        expect(outcome.user).toBeInstanceOf(TokenUser)
      }
    }
    expect(calls).toEqual(['validatedToken', 'tokenUser', 'validatedToken', 'tokenUser'])
  })
})

describe('authenticate() and authorize() overridden', () => {
  it('are called, and authorize() authenticates through the overridden authenticate()', async () => {
    const calls: string[] = []
    class Audited<U extends AuthUser> extends SimpleJWT<U> {
      override async authenticate(...args: Parameters<SimpleJWT<U>['authenticate']>) {
        calls.push('authenticate')
        return super.authenticate(...args)
      }
      override async authorize(...args: Parameters<SimpleJWT<U>['authorize']>) {
        calls.push('authorize')
        return super.authorize(...args)
      }
    }
    const base = await setup()
    const sjwt = new Audited(base.settings, await prepared(base), {
      users: base.users as MemoryUserStore,
      clock: () => T0,
    })
    const request = bearer(await (await sjwt.AccessToken.forUser(ALICE)).sign())
    expect(await sjwt.authenticate(request)).toMatchObject({ status: 'authenticated' })
    expect(await sjwt.authorize(request)).toMatchObject({ ok: true })
    // authorize() authenticates through the overridden authenticate() as well.
    expect(calls).toEqual(['authenticate', 'authorize', 'authenticate'])
  })
})

/** The prepared keys of a configuration, to build a subclass with the same ones. */
async function prepared(sjwt: SimpleJWT) {
  const { prepareKeys } = await import('./lib/keys')
  return prepareKeys(sjwt.settings)
}
