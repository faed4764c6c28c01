import { afterEach, describe, expect, it, vi } from 'vitest'
import { requireService } from './services'

describe('requireService', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  it('is true when the probe answers', async () => {
    expect(await requireService('a service', async () => 'PONG')).toBe(true)
  })

  it('outside CI, is false and says why the tests are skipped', async () => {
    vi.stubEnv('CI', '')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const available = await requireService('Redis at 127.0.0.1:1', async () => {
      throw new Error('connect ECONNREFUSED')
    })
    expect(available).toBe(false)
    expect(warn).toHaveBeenCalledWith(
      'Skipping the tests that need Redis at 127.0.0.1:1: Redis at 127.0.0.1:1 is not reachable (connect ECONNREFUSED). In CI this fails.',
    )
  })
})
