import { describe, it } from 'vitest'

/**
 * Whether a service that some tests need (Redis, PostgreSQL) answers `probe`. When it does not,
 * outside CI those tests are skipped with a message saying why; in CI (`CI` set) a missing
 * service is a failure, never a skip: a test is registered that fails with the reason.
 *
 * ```ts
 * const redis = await requireService('Redis at 127.0.0.1:6379', () => ping())
 * describe.runIf(redis)('...', () => { ... })
 * ```
 */
export async function requireService(
  name: string,
  probe: () => Promise<unknown>,
): Promise<boolean> {
  let reason: string
  try {
    await probe()
    return true
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error)
  }
  const why = `${name} is not reachable (${reason})`
  if (isCI()) {
    describe(name, () => {
      it('is reachable, as CI needs', () => {
        throw new Error(`${why}: CI must run these tests (.ci/run starts the service)`)
      })
    })
  } else {
    console.warn(`Skipping the tests that need ${name}: ${why}. In CI this fails.`)
  }
  return false
}

function isCI(): boolean {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env
  const ci = env?.['CI']
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0'
}
