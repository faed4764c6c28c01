// One process of the cross-process blacklist race in store.test.ts:
//   tsx race.fixture.ts <database> <start-at-ms> <jti>...
// Waits until the start time so that every process races at once, tries to blacklist each jti, and
// prints the jtis it won, as JSON.
import { openSqliteStore } from './store'

const [path = '', startAt = '0', ...jtis] = process.argv.slice(2)
const store = openSqliteStore(path)
const expiresAt = new Date(Date.now() + 3_600_000)
const records = jtis.map((jti) => ({
  jti,
  userId: 1,
  tokenDigest: '0'.repeat(64),
  createdAt: null,
  expiresAt,
}))

while (Date.now() < Number(startAt)) {
  // Busy-wait: a timer would add milliseconds of jitter between the processes.
}
const won: string[] = []
for (const token of records) {
  if (await store.tokens.blacklist(token, new Date())) won.push(token.jti)
}
store.close()
process.stdout.write(JSON.stringify(won))
