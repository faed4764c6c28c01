import { contractSimpleJWT } from '@simplejwt/adapter-tests'
import { Hono } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AuthUser,
  authenticate,
  protect,
  requireAuth,
  type SimpleJWTVariables,
  type Token,
  type TokenUser,
  tokenRoutes,
} from './index'

const sjwt = await contractSimpleJWT()

describe('hono context variables', () => {
  it('types c.get("user") and c.get("auth") on an app typed with SimpleJWTVariables', () => {
    new Hono<{ Variables: SimpleJWTVariables }>()
      .route('/api', tokenRoutes(sjwt))
      .use('/me', requireAuth(sjwt))
      .get('/me', (c) => {
        expectTypeOf(c.get('user')).toEqualTypeOf<AuthUser | TokenUser>()
        expectTypeOf(c.get('auth')).toEqualTypeOf<Token>()
        return c.text('')
      })
  })

  it('types them from the middleware alone, optional after authenticate', () => {
    new Hono()
      .get('/me', requireAuth(sjwt, { permission: 'staff' }), (c) => {
        expectTypeOf(c.get('user')).toEqualTypeOf<AuthUser | TokenUser>()
        expectTypeOf(c.get('auth')).toEqualTypeOf<Token>()
        return c.text('')
      })
      .get('/maybe', authenticate(sjwt), (c) => {
        expectTypeOf(c.get('user')).toEqualTypeOf<AuthUser | TokenUser | undefined>()
        expectTypeOf(c.get('auth')).toEqualTypeOf<Token | undefined>()
        return c.text('')
      })
  })

  it('types them in a handler wrapped by protect, on any app', () => {
    new Hono().get(
      '/me',
      protect(sjwt, (c) => {
        expectTypeOf(c.get('user')).toEqualTypeOf<AuthUser | TokenUser>()
        expectTypeOf(c.get('auth')).toEqualTypeOf<Token>()
        return c.text('')
      }),
    )
    // @ts-expect-error: a handler answers with a Response
    protect(sjwt, () => 'text')
  })

  it('types the options', () => {
    requireAuth(sjwt, { permission: (user, token) => user.isStaff === true && token.has('scope') })
    // @ts-expect-error: not a permission
    requireAuth(sjwt, { permission: 'admin' })
    // @ts-expect-error: not an option of the token routes
    tokenRoutes(sjwt, { prefix: '/api' })
  })
})
