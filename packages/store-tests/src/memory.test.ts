import { MemoryTokenStore, MemoryUserStore } from '@simplejwt/core'
import { runTokenStoreSuite, runUserStoreSuite } from './index'

runTokenStoreSuite('MemoryTokenStore', async () => {
  const store = new MemoryTokenStore()
  return { store, outstanding: (jti) => store.outstanding(jti), close: async () => {} }
})

runUserStoreSuite('MemoryUserStore', async (users) => ({
  store: await MemoryUserStore.create(users),
  close: async () => {},
}))
