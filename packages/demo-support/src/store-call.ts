import { SimpleJWTError, StoreUnavailableError } from '@simplejwt/core'

/**
 * Runs a call to the demo's store as the core runs its own: a failing store refuses the request
 * (StoreUnavailableError, a 503) instead of crashing it; the library's errors pass unchanged.
 */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    if (cause instanceof SimpleJWTError) throw cause
    throw new StoreUnavailableError({ cause })
  }
}
