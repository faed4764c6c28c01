// One instance of the cross-process throttle test in throttle.test.ts:
//   tsx throttle-race.fixture.ts <redis-url> <key-prefix> <start-at-ms> <attempts> <rate>
// An application instance with THROTTLE_RATES {login: <rate>} behind the shared Redis: waits
// until the start time so that every process runs at once, makes <attempts> concurrent login
// checks from one client address, and prints how many were allowed.
import { createSimpleJWT, createThrottle } from '@simplejwt/core'
import { connectRedisTokenStore } from './store'
import { RedisThrottleStore } from './throttle'

const [url = '', prefix = '', startAt = '0', attempts = '1', rate = ''] = process.argv.slice(2)
const connection = await connectRedisTokenStore({ url, prefix })
const { settings } = await createSimpleJWT({
  settings: {
    SIGNING_KEY: 'throttle-race-secret-long-enough-for-hs256',
    THROTTLE_RATES: { login: rate },
  },
})
const throttle = createThrottle(settings, new RedisThrottleStore(connection.client, { prefix }))
while (Date.now() < Number(startAt)) {
  // Busy-wait: a timer would add milliseconds of jitter between the processes.
}
const decisions = await Promise.all(
  Array.from({ length: Number(attempts) }, () => throttle.check({ clientAddress: '198.51.100.7' })),
)
await connection.close()
process.stdout.write(String(decisions.filter((d) => d.allowed).length))
