import { parseArgs } from 'node:util'

/** Where a command reads and writes, so that tests can run it in-process too. */
export interface CommandIO {
  /** Writes one line (or block of lines) to standard output. */
  out(text: string): void
  /** Writes one line (or block of lines) to standard error. */
  err(text: string): void
  /** The whole of standard input, for a token given as `-`. */
  readStdin(): Promise<string>
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number
}

/** Exit codes: scripts tell an invalid token from a wrong command line. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** The command line is wrong: an unknown command or option, a missing argument, a bad key. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * The command ran and the answer is no: an invalid token (with simplejwt's message and code), or a
 * store that could not be reached. Exit 1.
 */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure'
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string }

/** The values of parsed options: booleans, strings, or lists of strings for repeatable ones. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  readonly [K in keyof O]?: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string
}

/**
 * Options and positionals, by `node:util`'s parser in strict mode: an unknown option, an option
 * without its value or too many arguments is a {@link UsageError}.
 */
export function parseOptions<O extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: O,
  positionals: number,
): { values: OptionValues<O>; positionals: string[] } {
  let parsed: { values: unknown; positionals: string[] }
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`)
  }
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals }
}

/** A token argument, read from standard input when it is `-`. */
export async function tokenArgument(value: string | undefined, io: CommandIO): Promise<string> {
  if (value === undefined) throw new UsageError('missing the TOKEN argument (or - to read stdin)')
  const token = value === '-' ? (await io.readStdin()).trim() : value
  if (token === '') throw new UsageError('the token is empty')
  return token
}

/** `value` as JSON on one line per property, two spaces deep. */
export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2)
}
