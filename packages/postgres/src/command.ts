import { openPostgresStore } from './store'

const USAGE = `Usage: simplejwt-postgres flush-expired [--schema <name>] [<connection-url>]

  flush-expired   Deletes the outstanding tokens that have expired, with their blacklist
                  entries, and the revocations kept past their time (simplejwt's
                  flushexpiredtokens), and prints how many tokens it deleted.

  <connection-url>  postgres://user:password@host:port/database. Without it, the PGHOST,
                    PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables are used, as by psql.
  --schema <name>   The schema holding the tables. Default public.`

/** Where the command writes. */
export interface CommandOutput {
  out(line: string): void
  err(line: string): void
}

/** Runs `simplejwt-postgres` with `args` (without node and the script); resolves the exit code. */
export async function runCommand(
  args: readonly string[],
  output: CommandOutput,
  now: Date = new Date(),
): Promise<number> {
  const [command, ...rest] = args
  if (command === '--help' || command === '-h' || command === 'help') {
    output.out(USAGE)
    return 0
  }
  const parsed = command === 'flush-expired' ? parseArguments(rest) : undefined
  if (parsed === undefined) {
    output.err(USAGE)
    return 2
  }
  const { schema, connectionString } = parsed
  try {
    // A schema without the tables is an error, not created: its name may be mistyped.
    const store = await openPostgresStore({
      create: false,
      ...(connectionString === undefined ? {} : { connectionString }),
      ...(schema === undefined ? {} : { schema }),
    })
    try {
      output.out(String(await store.tokens.flushExpired(now)))
    } finally {
      await store.close()
    }
    return 0
  } catch (error) {
    output.err(`simplejwt-postgres: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

/** `[--schema <name>] [<connection-url>]`, in any order; undefined when they are not that. */
function parseArguments(
  args: readonly string[],
): { schema?: string; connectionString?: string } | undefined {
  const parsed: { schema?: string; connectionString?: string } = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--schema') {
      const value = args[++i]
      if (value === undefined || parsed.schema !== undefined) return undefined
      parsed.schema = value
    } else if (arg.startsWith('-') || parsed.connectionString !== undefined) {
      return undefined
    } else {
      parsed.connectionString = arg
    }
  }
  return parsed
}
