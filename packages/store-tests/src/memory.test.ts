import { MemoryTokenStore, MemoryUserStore } from '@simplejwt/core'
import { expect } from 'vitest'
import { runTokenStoreSuite, runUserStoreSuite } from './index'

runTokenStoreSuite('MemoryTokenStore', async () => {
  const store = new MemoryTokenStore()
  return { store, outstanding: (jti) => store.outstanding(jti), close: async () => {} }
})

runUserStoreSuite('MemoryUserStore', async (users) => {
  const store = await MemoryUserStore.create(users)
  return {
    store,
    setPassword: async (user, password) => {
      expect(await store.setPassword(user, password)).toBe(true)
    },
    close: async () => {},
  }
})
