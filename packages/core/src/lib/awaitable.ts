/** A value, or a promise of it: what a store may answer with where it can answer at once. */
export type Awaitable<T> = T | PromiseLike<T>

/** A promise, or anything `await` would treat as one (an override may return its own kind). */
export function isThenable<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/**
 * `then` applied to `value` at once when it is a value, once it settles when it is a promise (a
 * rejection passes through): a chain that waits only where something has to be waited for.
 */
export function andThen<T, R>(value: Awaitable<T>, then: (value: T) => R): R | Promise<Awaited<R>> {
  // A promise resolved with a promise adopts it: the result is the awaited R.
  return isThenable(value)
    ? (Promise.resolve(value).then(then) as Promise<Awaited<R>>)
    : then(value)
}
