// One process of the cross-process blacklist race in store.test.ts:
//   tsx race.fixture.ts <database-url> <schema> <start-at-ms> <attempts> <jti>
// Waits until the start time so that every process races at once, makes <attempts> concurrent
// blacklist calls for the token, and prints how many of them won.
import { openPostgresStore } from './store'

const [url = '', schema = '', startAt = '0', attempts = '1', jti = ''] = process.argv.slice(2)
const store = await openPostgresStore({ connectionString: url, schema })
// Connections are opened before the start, so that the race is about blacklisting only.
const clients = await Promise.all(Array.from({ length: 10 }, () => store.pool.connect()))
for (const client of clients) client.release()
const token = {
  jti,
  userId: 1,
  tokenDigest: '0'.repeat(64),
  createdAt: null,
  expiresAt: new Date(Date.now() + 3_600_000),
}

while (Date.now() < Number(startAt)) {
  // Busy-wait: a timer would add milliseconds of jitter between the processes.
}
const results = await Promise.all(
  Array.from({ length: Number(attempts) }, () => store.tokens.blacklist(token, new Date())),
)
await store.close()
process.stdout.write(String(results.filter((won) => won).length))
