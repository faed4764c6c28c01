import { contractSimpleJWT } from '@simplejwt/adapter-tests'
import express from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import { type AuthUser, authenticate, requireAuth, type Token, tokenRoutes } from './index'

const sjwt = await contractSimpleJWT()

describe('express request state', () => {
  it('types req.user and req.auth', () => {
    express()
      .use('/api', tokenRoutes(sjwt))
      .get('/me', requireAuth(sjwt), (req) => {
        expectTypeOf(req.user).toEqualTypeOf<Express.User | undefined>()
        expectTypeOf(req.auth).toEqualTypeOf<Token | undefined>()
        expectTypeOf<Express.User>().toExtend<AuthUser>()
      })
      .get('/maybe', authenticate(sjwt, { stateless: true }), (req) => {
        expectTypeOf(req.user?.isStaff).toEqualTypeOf<boolean | undefined>()
        expectTypeOf(req.auth?.payload).toEqualTypeOf<Record<string, unknown> | undefined>()
      })
  })

  it('types the options', () => {
    requireAuth(sjwt, { permission: (user, token) => user.isStaff === true && token.has('scope') })
    // @ts-expect-error: not a permission
    requireAuth(sjwt, { permission: 'admin' })
    // @ts-expect-error: not an option of the token routes
    tokenRoutes(sjwt, { prefix: '/api' })
  })
})
