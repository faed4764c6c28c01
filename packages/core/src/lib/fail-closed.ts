import { SimpleJWTError, StoreUnavailableError } from '../errors'
import { type Awaitable, isThenable } from './awaitable'

/**
 * Runs a store call; a store that fails refuses the request (StoreUnavailableError, a 503)
 * instead of letting it through. The library's own errors pass unchanged. The call is passed as
 * a function so that a store throwing synchronously, not only one rejecting, is caught too.
 */
export async function failClosed<T>(call: () => Awaitable<T>): Promise<T> {
  return askStore(call)
}

/**
 * failClosed for a store that may answer at once: its answer stays a value (a failure is thrown)
 * and a promise stays a promise (a failure rejects).
 */
export function askStore<T>(call: () => Awaitable<T>): T | Promise<T> {
  let answer: Awaitable<T>
  try {
    answer = call()
  } catch (cause) {
    throw storeFailure(cause)
  }
  if (!isThenable(answer)) return answer
  return Promise.resolve(answer).then(undefined, (cause: unknown) => {
    throw storeFailure(cause)
  })
}

function storeFailure(cause: unknown): SimpleJWTError {
  return cause instanceof SimpleJWTError ? cause : new StoreUnavailableError({ cause })
}
