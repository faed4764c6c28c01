import type { JsonWebKey } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { ConfigurationError, type DjangoSettings } from '@simplejwt/core'
import {
  CommandFailure,
  type CommandIO,
  EXIT,
  parseOptions,
  pretty,
  tokenArgument,
  UsageError,
} from './io'
import { generateKey } from './keygen'
import { chooseAlgorithm, keyKind, keySettings, readKey } from './keys'
import { openStore, STORE_OPTIONS } from './stores'
import {
  claimSettings,
  describeToken,
  printToken,
  readParts,
  reportExit,
  simpleJWT,
  tokenClass,
  VERIFY_OPTIONS,
  verifier,
  verifyToken,
} from './tokens'

const KEY_HELP = `  --key KEY|@FILE     An HMAC secret, a PEM key or a JWK (JSON), or @FILE to read it from a file
                      (a PEM on the command line itself: --key="$(cat key.pem)").
                      A private key is accepted where a public one is needed.
  --alg ALG           HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA. Default:
                      the JWK's alg, else the key's own (EC curve, Ed25519), else the token's alg
                      when it is of the key's family, else HS256 or RS256.`

const CLAIM_HELP = `  --audience AUD      AUDIENCE: checked in (or written as) aud; repeat for several.
  --issuer ISS        ISSUER: checked in (or written as) iss.
  --leeway SECONDS    LEEWAY: clock skew tolerated on exp, nbf and iat.`

const JSON_HELP = `  --json              Print one JSON object, for scripts.
  -h, --help          Print this help.`

const STORE_HELP = `  --database URL      sqlite:PATH (an existing file) or postgres://user:password@host/db[?schema=NAME]
  --redis URL         redis://[:password@]host:6379[/db][?prefix=PREFIX] (default prefix simplejwt:)`

const USAGE = `Usage: simplejwt <command> [options]

Commands:
  decode TOKEN        Print a token's header and payload, its times and whether it has expired.
  verify TOKEN        Verify a token's signature and claims as simplejwt does.
  sign                Make a token for a user id, as RefreshToken.for_user does.
  keygen              Generate a signing key (HMAC secret, or private and public key).
  flush-expired       Delete expired outstanding tokens and their blacklist entries.
  blacklist TOKEN     Put a refresh (or sliding) token on the blacklist.
  revoke-user ID      Log a user out everywhere: blacklist their tokens, refuse older ones.

A TOKEN of - is read from standard input. Every command takes --json and --help.
Exit codes: 0 ok, 1 invalid token (or the store could not be reached), 2 usage error.
Run simplejwt <command> --help for a command's options.`

interface Command {
  readonly usage: string
  run(args: readonly string[], io: CommandIO): Promise<number>
}

const now = (io: CommandIO) => (io.now ?? Date.now)()

/** Prints the failure: JSON for scripts, else a line on standard error. */
function fail(name: string, failure: CommandFailure, json: boolean, io: CommandIO): number {
  if (json) io.out(pretty({ error: { detail: failure.message, code: failure.code } }))
  else io.err(`simplejwt ${name}: ${failure.message}`)
  return EXIT.failed
}

const decode: Command = {
  usage: `Usage: simplejwt decode TOKEN [--key KEY|@FILE | --jwks-url URL] [options]

Prints the token's header and payload, exp/iat/nbf as ISO dates, and whether it has expired.
The signature is NOT verified unless --key or --jwks-url is given; the output says which.

${KEY_HELP}
  --jwks-url URL      Verify with the key of the token's kid in this JWK set.
  --type TYPE         When verifying: untyped (default), access, refresh or sliding.
${CLAIM_HELP}
${JSON_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { ...VERIFY_OPTIONS, json: { type: 'boolean' } },
      1,
    )
    const json = values.json === true
    const token = await tokenArgument(positionals[0], io)
    let parts: ReturnType<typeof readParts>
    try {
      parts = readParts(token)
    } catch (error) {
      if (error instanceof CommandFailure) return fail('decode', error, json, io)
      throw error
    }
    let verified = false
    let failure: CommandFailure | undefined
    if (values.key !== undefined || values['jwks-url'] !== undefined) {
      const sjwt = await verifier(values, parts.header, io)
      try {
        await verifyToken(tokenClass(sjwt, values.type ?? 'untyped'), token)
        verified = true
      } catch (error) {
        if (!(error instanceof CommandFailure)) throw error
        failure = error
      }
    } else if (values.type !== undefined) {
      throw new UsageError('--type checks a token being verified: give --key or --jwks-url too')
    }
    const report = describeToken(parts, now(io), verified, failure)
    if (json) io.out(pretty(report))
    else printToken(report, now(io), io)
    return reportExit(report)
  },
}

const verify: Command = {
  usage: `Usage: simplejwt verify TOKEN (--key KEY|@FILE | --jwks-url URL) [options]

Verifies the token with simplejwt's own checks: the signature with ALGORITHM only, exp, nbf,
aud and iss, and with --type the token type. Prints the payload; exits 1 with simplejwt's
message ("Token is invalid or expired", "Token has wrong type", ...) when it is refused.

${KEY_HELP}
  --jwks-url URL      Verify with the key of the token's kid in this JWK set (JWK_URL).
  --type TYPE         untyped (default: signature and claims, as /api/token/verify/), access,
                      refresh or sliding.
${CLAIM_HELP}
${JSON_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { ...VERIFY_OPTIONS, json: { type: 'boolean' } },
      1,
    )
    const json = values.json === true
    const token = await tokenArgument(positionals[0], io)
    if (values.key === undefined && values['jwks-url'] === undefined) {
      throw new UsageError('missing --key (or --jwks-url)')
    }
    let parts: ReturnType<typeof readParts>
    try {
      parts = readParts(token)
      const sjwt = await verifier(values, parts.header, io)
      await verifyToken(tokenClass(sjwt, values.type ?? 'untyped'), token)
    } catch (error) {
      if (error instanceof CommandFailure) return fail('verify', error, json, io)
      throw error
    }
    const report = describeToken(parts, now(io), true)
    if (json) io.out(pretty({ valid: true, ...report }))
    else io.out(`Token is valid.\n${pretty(report.payload)}`)
    return EXIT.ok
  },
}

const LIFETIME_SETTING = {
  access: 'ACCESS_TOKEN_LIFETIME',
  refresh: 'REFRESH_TOKEN_LIFETIME',
  sliding: 'SLIDING_TOKEN_LIFETIME',
} as const

const sign: Command = {
  usage: `Usage: simplejwt sign --user-id ID --key KEY|@FILE [options]

Makes a token for the user id, as simplejwt's RefreshToken.for_user (or AccessToken's,
SlidingToken's) does: token_type, exp, iat, jti and user_id, signed with ALGORITHM. Prints it.

  --user-id ID        The user's id (a number when it is digits, else a string).
  --type TYPE         refresh (default), access or sliding.
  --lifetime DURATION The token's lifetime: seconds, or 30s, 5m, 1h30m, 1d. Default simplejwt's
                      (access 5m, refresh 1d, sliding 5m).
  --claim NAME=VALUE  An extra claim; VALUE is read as JSON when it is JSON, else as a string.
                      Repeat for several.
${KEY_HELP.replace('A private key is accepted where a public one is needed.', 'Signing needs the secret or the private key.')}
${CLAIM_HELP}
${JSON_HELP}`,
  async run(args, io) {
    const { values } = parseOptions(
      args,
      {
        'user-id': { type: 'string' },
        type: { type: 'string' },
        lifetime: { type: 'string' },
        claim: { type: 'string', multiple: true },
        key: { type: 'string' },
        alg: { type: 'string' },
        audience: { type: 'string', multiple: true },
        issuer: { type: 'string' },
        leeway: { type: 'string' },
        json: { type: 'boolean' },
      },
      0,
    )
    const userId = values['user-id']
    if (userId === undefined || userId === '') throw new UsageError('missing --user-id')
    if (values.key === undefined) throw new UsageError('missing --key')
    const type = values.type ?? 'refresh'
    if (!(type in LIFETIME_SETTING)) {
      throw new UsageError(`--type must be access, refresh or sliding; got '${type}'`)
    }
    const claims = (values.claim ?? []).map(claimArgument)
    const key = await readKey(values.key)
    const kind = keyKind(key)
    const algorithm = chooseAlgorithm(key, kind, values.alg)
    const settings: Record<string, unknown> = {
      ...claimSettings(values),
      ALGORITHM: algorithm,
      ...keySettings(key, kind, 'sign', algorithm),
    }
    if (values.lifetime !== undefined) {
      settings[LIFETIME_SETTING[type as keyof typeof LIFETIME_SETTING]] = duration(values.lifetime)
    }
    const sjwt = await simpleJWT(settings as DjangoSettings, io)
    const cls = tokenClass(sjwt, type, ['access', 'refresh', 'sliding'])
    const id = /^(0|[1-9]\d{0,14})$/.test(userId) ? Number(userId) : userId
    const token = await cls.forUser({ id })
    for (const [name, value] of claims) token.set(name, value)
    const signed = await token.sign()
    if (values.json === true) {
      io.out(pretty({ token: signed, ...describeToken(readParts(signed), now(io), true) }))
    } else {
      io.out(signed)
    }
    return EXIT.ok
  },
}

/** A duration option: whole seconds as a number, anything else (`5m`) as the core reads it. */
function duration(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text
}

function claimArgument(text: string): [string, unknown] {
  const at = text.indexOf('=')
  if (at <= 0) throw new UsageError(`--claim must be NAME=VALUE; got '${text}'`)
  const raw = text.slice(at + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {}
  return [text.slice(0, at), value]
}

const keygen: Command = {
  usage: `Usage: simplejwt keygen --alg ALG [--kid ID] [--format pem|jwk] [--encoding base64url|hex]

Generates a signing key for ALG: for HS256/384/512 a random secret of 32/48/64 bytes (use the
printed text as SIGNING_KEY as it is); for the others a private key (SIGNING_KEY) and its
public key (VERIFYING_KEY): RSA 2048 bits, EC on the algorithm's curve, Ed25519 for EdDSA.

  --alg ALG           HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA.
  --format FORMAT     pem (default; PKCS#8 and SPKI) or jwk (with kid, alg and use: sig).
  --kid ID            The JWKs' kid. Default: the public key's RFC 7638 thumbprint.
  --encoding ENC      How an HMAC secret is written in pem format: base64url (default) or hex.
${JSON_HELP}`,
  async run(args, io) {
    const { values } = parseOptions(
      args,
      {
        alg: { type: 'string' },
        kid: { type: 'string' },
        format: { type: 'string' },
        encoding: { type: 'string' },
        json: { type: 'boolean' },
      },
      0,
    )
    if (values.alg === undefined) throw new UsageError('missing --alg')
    const format = values.format ?? 'pem'
    if (format !== 'pem' && format !== 'jwk') {
      throw new UsageError(`--format must be pem or jwk; got '${format}'`)
    }
    const encoding = values.encoding ?? 'base64url'
    if (encoding !== 'base64url' && encoding !== 'hex') {
      throw new UsageError(`--encoding must be base64url or hex; got '${encoding}'`)
    }
    const key = generateKey({ alg: values.alg, kid: values.kid, format, encoding })
    if (values.json === true) {
      io.out(
        pretty({ alg: key.alg, kid: key.kid ?? null, private: key.private, public: key.public }),
      )
      return EXIT.ok
    }
    const text = (k: string | JsonWebKey) => (typeof k === 'string' ? k.trimEnd() : pretty(k))
    io.out(key.public === null ? text(key.private) : `${text(key.private)}\n${text(key.public)}`)
    return EXIT.ok
  },
}

const flushExpired: Command = {
  usage: `Usage: simplejwt flush-expired (--database URL | --redis URL) [--json]

Deletes the outstanding tokens that have expired, with their blacklist entries (simplejwt's
flushexpiredtokens), and prints how many. Redis keys expire by themselves: it prints 0.

${STORE_HELP}
${JSON_HELP}`,
  async run(args, io) {
    const { values } = parseOptions(args, { ...STORE_OPTIONS, json: { type: 'boolean' } }, 0)
    return withStore('flush-expired', values, io, async (store) => {
      const deleted = await store.tokens.flushExpired(new Date(now(io)))
      io.out(values.json === true ? pretty({ deleted }) : String(deleted))
    })
  },
}

const blacklist: Command = {
  usage: `Usage: simplejwt blacklist TOKEN --key KEY|@FILE (--database URL | --redis URL) [options]

Verifies the refresh token (or, with --type sliding, the sliding token) as simplejwt's
/api/token/blacklist/ does, and puts it on the blacklist. Exits 1 with simplejwt's message
when the token is invalid, expired or already blacklisted.

${STORE_HELP}
${KEY_HELP}
  --jwks-url URL      Verify with the key of the token's kid in this JWK set.
  --type TYPE         refresh (default) or sliding.
${CLAIM_HELP}
${JSON_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { ...VERIFY_OPTIONS, ...STORE_OPTIONS, json: { type: 'boolean' } },
      1,
    )
    const json = values.json === true
    const token = await tokenArgument(positionals[0], io)
    if (values.key === undefined && values['jwks-url'] === undefined) {
      throw new UsageError('missing --key (or --jwks-url)')
    }
    const type = values.type ?? 'refresh'
    if (type !== 'refresh' && type !== 'sliding') {
      throw new UsageError(`--type must be refresh or sliding; got '${type}'`)
    }
    let header: Record<string, unknown>
    try {
      header = readParts(token).header
    } catch (error) {
      if (error instanceof CommandFailure) return fail('blacklist', error, json, io)
      throw error
    }
    return withStore('blacklist', values, io, async (store) => {
      const sjwt = await verifier(values, header, io, { tokens: store.tokens })
      const verified = await verifyToken(tokenClass(sjwt, type), token)
      await verified.blacklist()
      const jti = verified.jti ?? null
      io.out(json ? pretty({ blacklisted: true, jti }) : `Blacklisted the token with jti ${jti}.`)
    })
  },
}

const revokeUser: Command = {
  usage: `Usage: simplejwt revoke-user ID (--database URL | --redis URL) [options]

Logs the user out everywhere, as the core's revokeUserTokens does: blacklists the user's
outstanding refresh and sliding tokens, and records that tokens issued until now are refused
(authentication with a lookup checks it). Prints how many tokens it blacklisted.

${STORE_HELP}
  --lifetime DURATION The longest lifetime of the application's tokens, that the record is kept
                      for: seconds, or 5m, 1h, 30d. Default 1d (simplejwt's refresh lifetime).
  --leeway SECONDS    The application's LEEWAY, added to it.
${JSON_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      {
        ...STORE_OPTIONS,
        lifetime: { type: 'string' },
        leeway: { type: 'string' },
        json: { type: 'boolean' },
      },
      1,
    )
    const raw = positionals[0]
    if (raw === undefined || raw === '') throw new UsageError('missing the user ID argument')
    const userId = /^(0|[1-9]\d{0,14})$/.test(raw) ? Number(raw) : raw
    const lifetime = values.lifetime === undefined ? 86400 : duration(values.lifetime)
    return withStore('revoke-user', values, io, async (store) => {
      const sjwt = await simpleJWT(
        {
          // No token is signed or verified here; the library only needs some key to be set up.
          SIGNING_KEY: randomBytes(32),
          REFRESH_TOKEN_LIFETIME: lifetime,
          SLIDING_TOKEN_REFRESH_LIFETIME: lifetime,
          ...(values.leeway === undefined ? {} : { LEEWAY: duration(values.leeway) }),
        },
        io,
        { tokens: store.tokens },
      )
      const count = await sjwt.revokeUserTokens(userId)
      io.out(values.json === true ? pretty({ user_id: userId, blacklisted: count }) : String(count))
    })
  },
}

/** Opens the store, runs `body`, closes it; a store that fails is a CommandFailure. */
async function withStore(
  name: string,
  values: {
    readonly database?: string | undefined
    readonly redis?: string | undefined
    readonly json?: boolean | undefined
  },
  io: CommandIO,
  body: (store: Awaited<ReturnType<typeof openStore>>) => Promise<void>,
): Promise<number> {
  let store: Awaited<ReturnType<typeof openStore>> | undefined
  try {
    store = await openStore(values)
    await body(store)
    return EXIT.ok
  } catch (error) {
    if (error instanceof CommandFailure) return fail(name, error, values.json === true, io)
    throw error
  } finally {
    await store?.close()
  }
}

const COMMANDS: Readonly<Record<string, Command>> = {
  decode,
  verify,
  sign,
  keygen,
  'flush-expired': flushExpired,
  blacklist,
  'revoke-user': revokeUser,
}

/** Runs `simplejwt` with `args` (without node and the script); resolves the exit code. */
export async function runCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = args
  if (name === undefined) {
    io.err(USAGE)
    return EXIT.usage
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]]
    io.out(topic?.usage ?? USAGE)
    return EXIT.ok
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined) {
    io.err(`simplejwt: unknown command '${name}'\n\n${USAGE}`)
    return EXIT.usage
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage)
    return EXIT.ok
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`simplejwt ${name}: ${error.message}\nRun simplejwt ${name} --help for its options.`)
      return EXIT.usage
    }
    if (error instanceof ConfigurationError) {
      io.err(`simplejwt ${name}: ${error.message}`)
      return EXIT.usage
    }
    if (error instanceof CommandFailure) return fail(name, error, rest.includes('--json'), io)
    // Anything else is unexpected: its message only (a stack trace could quote arguments).
    io.err(`simplejwt ${name}: ${error instanceof Error ? error.message : String(error)}`)
    return EXIT.failed
  }
}
