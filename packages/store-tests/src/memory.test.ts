import { MemoryThrottleStore, MemoryTokenStore, MemoryUserStore } from '@simplejwt/core'
import { expect } from 'vitest'
import { runThrottleStoreSuite, runTokenStoreSuite, runUserStoreSuite } from './index'

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

runThrottleStoreSuite('MemoryThrottleStore', async () => {
  const store = new MemoryThrottleStore()
  // Instances of one process share one store object: the only way memory counts are shared.
  return { store, instance: async () => store, close: async () => {} }
})
