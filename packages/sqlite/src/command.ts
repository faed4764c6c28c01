import { existsSync } from 'node:fs'
import { openSqliteStore } from './store'

const USAGE = `Usage: simplejwt-sqlite flush-expired <database-file>

  flush-expired   Deletes the outstanding tokens that have expired, with their blacklist
                  entries (simplejwt's flushexpiredtokens), and prints how many.`

/** Where the command writes. */
export interface CommandOutput {
  out(line: string): void
  err(line: string): void
}

/** Runs `simplejwt-sqlite` with `args` (without node and the script); resolves the exit code. */
export async function runCommand(
  args: readonly string[],
  output: CommandOutput,
  now: Date = new Date(),
): Promise<number> {
  const [command, path, ...rest] = args
  if (command === '--help' || command === '-h' || command === 'help') {
    output.out(USAGE)
    return 0
  }
  if (command !== 'flush-expired' || path === undefined || rest.length > 0) {
    output.err(USAGE)
    return 2
  }
  // Opening a missing file would create an empty database: a mistyped path must fail instead.
  if (!existsSync(path)) {
    output.err(`simplejwt-sqlite: no such file: ${path}`)
    return 1
  }
  try {
    const store = openSqliteStore(path)
    try {
      output.out(String(await store.tokens.flushExpired(now)))
    } finally {
      store.close()
    }
    return 0
  } catch (error) {
    output.err(`simplejwt-sqlite: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
