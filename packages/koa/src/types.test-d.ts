import { contractSimpleJWT } from '@simplejwt/adapter-tests'
import Koa from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AuthUser,
  authenticate,
  requireAuth,
  type SimpleJWTState,
  type Token,
  type TokenUser,
  tokenRoutes,
} from './index'

const sjwt = await contractSimpleJWT()

describe('koa state', () => {
  it('types ctx.state.user and ctx.state.auth after requireAuth', () => {
    new Koa()
      .use(tokenRoutes(sjwt, { prefix: '/api' }))
      .use(requireAuth(sjwt))
      .use((ctx) => {
        expectTypeOf(ctx.state.user).toEqualTypeOf<AuthUser | TokenUser>()
        expectTypeOf(ctx.state.auth).toEqualTypeOf<Token>()
      })
  })

  it('types them as optional after authenticate', () => {
    new Koa().use(authenticate(sjwt, { stateless: true })).use((ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<AuthUser | TokenUser | undefined>()
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Token | undefined>()
    })
  })

  it('types an app declared with the state', () => {
    new Koa<SimpleJWTState>().use(requireAuth(sjwt, { permission: 'staff' })).use((ctx) => {
      expectTypeOf(ctx.state.auth.payload).toEqualTypeOf<Record<string, unknown>>()
    })
  })

  it('types the options', () => {
    requireAuth(sjwt, { permission: (user, token) => user.isStaff === true && token.has('scope') })
    // @ts-expect-error: not a permission
    requireAuth(sjwt, { permission: 'admin' })
    // @ts-expect-error: not an option of the token routes
    tokenRoutes(sjwt, { mount: '/api' })
  })
})
