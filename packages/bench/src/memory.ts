// The verified-token cache under a stream of unique tokens, in its own process so that its RSS is
// its own: `node --expose-gc --import tsx src/memory.ts COUNT [on|off]`. Writes one JSON line: the
// RSS and heap after a full collection at each tenth of the way. `off` runs the same with the
// cache off, for comparison.
import { randomBytes } from 'node:crypto'
import { createSimpleJWT } from '@simplejwt/core'
import { makeKeys, SECRET } from './fixtures'
import { floorSigner } from './floor'

export interface MemorySample {
  readonly tokens: number
  readonly rssMiB: number
  readonly heapUsedMiB: number
  /** The heap's committed size, memory outside it (external strings, buffers) and ArrayBuffers. */
  readonly heapTotalMiB: number
  readonly externalMiB: number
  readonly arrayBuffersMiB: number
}

const MiB = 1024 * 1024

async function main(count: number, cache: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  // The default VERIFIED_TOKEN_CACHE bounds, or none.
  const sjwt = await createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ...(cache ? {} : { VERIFIED_TOKEN_CACHE: false }) },
  })
  const sign = floorSigner(makeKeys('HS256'))
  const iat = Math.floor(Date.now() / 1000)
  const sample = (tokens: number): MemorySample => {
    gc()
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
    return {
      tokens,
      rssMiB: rss / MiB,
      heapUsedMiB: heapUsed / MiB,
      heapTotalMiB: heapTotal / MiB,
      externalMiB: external / MiB,
      arrayBuffersMiB: arrayBuffers / MiB,
    }
  }
  const samples = [sample(0)]
  const step = Math.max(1, Math.floor(count / 10))
  for (let i = 1; i <= count; i++) {
    const token = sign({
      token_type: 'access',
      exp: iat + 300,
      iat,
      jti: randomBytes(16).toString('hex'),
      user_id: i,
    })
    const outcome = await sjwt.authenticate(
      { headers: { authorization: `Bearer ${token}` } },
      { stateless: true },
    )
    if (outcome.status !== 'authenticated') throw new Error(`token ${i} was refused`)
    if (i % step === 0) samples.push(sample(i))
  }
  process.stdout.write(`${JSON.stringify(samples)}\n`)
}

await main(Number(process.argv[2] ?? 1_000_000), process.argv[3] !== 'off')
