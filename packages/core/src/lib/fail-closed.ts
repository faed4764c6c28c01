import { SimpleJWTError, StoreUnavailableError } from '../errors'

/**
 * Runs a store call; a store that fails refuses the request (StoreUnavailableError, a 503)
 * instead of letting it through. The library's own errors pass unchanged. The call is passed as
 * a function so that a store throwing synchronously, not only one rejecting, is caught too.
 */
export async function failClosed<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    if (cause instanceof SimpleJWTError) throw cause
    throw new StoreUnavailableError({ cause })
  }
}
