import { AuthenticationFailed, type Message, message, tokenError, ValidationError } from './errors'
import { failClosed } from './lib/fail-closed'
import type { SimpleJWT } from './simplejwt'
import type { AuthUser } from './stores'
import type { Token, TokenClass } from './tokens'

/** The request data a serializer sees. */
export interface SerializerContext {
  /** The client's address or other request facts an app wants to pass to `UserStore.authenticate`. */
  readonly request?: unknown
}

/**
 * The logic of one token endpoint, as simplejwt's serializers: `fields()` are read from the body
 * with Django REST framework's CharField rules (required, not null, not blank, trimmed), then
 * `validate()` turns them into the response body. Subclass to add claims or response fields.
 */
export abstract class Serializer {
  constructor(
    readonly sjwt: SimpleJWT,
    readonly context: SerializerContext = {},
  ) {}

  /** The body fields this endpoint reads, in order. */
  abstract fields(): readonly string[]

  /** The response body for valid fields; throws TokenError, AuthenticationFailed or ValidationError. */
  abstract validate(attrs: Readonly<Record<string, string>>): Promise<Record<string, unknown>>
}

export type SerializerClass = new (sjwt: SimpleJWT, context?: SerializerContext) => Serializer

/** Checks credentials and the user rule; subclasses add the tokens. */
export abstract class TokenObtainSerializer extends Serializer {
  /** The user whose credentials were valid, once `validate` has run. */
  user: AuthUser | null = null

  /** The class of the token issued: RefreshToken or SlidingToken. */
  abstract tokenClass(): TokenClass

  fields(): readonly string[] {
    return [this.sjwt.users?.usernameField ?? 'username', 'password']
  }

  /** The token issued for `user`. Override to add custom claims. */
  async getToken(user: AuthUser): Promise<Token> {
    return this.tokenClass().forUser(user)
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const users = this.sjwt.requireUsers()
    // A store that cannot answer refuses the login (503), never lets it through.
    this.user = await failClosed(() => users.authenticate(attrs))
    if (!this.sjwt.settings.userAuthenticationRule(this.user)) {
      throw noActiveAccount('No active account found with the given credentials')
    }
    return {}
  }

  protected async recordLogin(user: AuthUser): Promise<void> {
    if (this.sjwt.settings.updateLastLogin) {
      const users = this.sjwt.requireUsers()
      await failClosed(async () => users.updateLastLogin?.(user, new Date(this.sjwt.now())))
    }
  }
}

/** POST {username, password} → {refresh, access}. */
export class TokenObtainPairSerializer extends TokenObtainSerializer {
  tokenClass(): TokenClass {
    return this.sjwt.RefreshToken
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const data = await super.validate(attrs)
    const user = this.user as AuthUser
    const refresh = await this.getToken(user)
    data['refresh'] = await refresh.sign()
    data['access'] = await accessTokenOf(refresh).sign()
    await this.recordLogin(user)
    return data
  }
}

/** POST {username, password} → {token} (a sliding token). */
export class TokenObtainSlidingSerializer extends TokenObtainSerializer {
  tokenClass(): TokenClass {
    return this.sjwt.SlidingToken
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const data = await super.validate(attrs)
    const user = this.user as AuthUser
    data['token'] = await (await this.getToken(user)).sign()
    await this.recordLogin(user)
    return data
  }
}

/**
 * POST {refresh} → {access}, plus a new {refresh} with ROTATE_REFRESH_TOKENS (the old one
 * blacklisted with BLACKLIST_AFTER_ROTATION; of concurrent rotations of one token, one wins).
 */
export class TokenRefreshSerializer extends Serializer {
  fields(): readonly string[] {
    return ['refresh']
  }

  tokenClass(): TokenClass {
    return this.sjwt.RefreshToken
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const { settings } = this.sjwt
    const refresh = await this.tokenClass().decode(attrs['refresh'])
    await checkTokenUser(this.sjwt, refresh)
    const data: Record<string, unknown> = { access: await accessTokenOf(refresh).sign() }
    if (settings.rotateRefreshTokens) {
      if (settings.blacklistAfterRotation && !(await refresh.blacklist())) {
        // Another request rotated it first: one of the two holds a copy (reuse detection).
        await refresh.revokeFamily()
        throw tokenError('Token is blacklisted')
      }
      refresh.setJti()
      refresh.setExp()
      refresh.setIat()
      // A token from before REFRESH_TOKEN_REUSE_DETECTION was on starts a family here.
      if (settings.refreshTokenReuseDetection && refresh.family === undefined) {
        refresh.set(settings.tokenFamilyClaim, crypto.randomUUID().replaceAll('-', ''))
      }
      const rotated = await refresh.sign()
      await refresh.recordOutstanding(rotated)
      data['refresh'] = rotated
    }
    return data
  }
}

/** POST {token} → {token}: a sliding token with new `exp` and `iat`, until its `refresh_exp`. */
export class TokenRefreshSlidingSerializer extends Serializer {
  fields(): readonly string[] {
    return ['token']
  }

  tokenClass(): TokenClass {
    return this.sjwt.SlidingToken
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const token = await this.tokenClass().decode(attrs['token'])
    token.checkExp(this.sjwt.settings.slidingTokenRefreshExpClaim)
    await checkTokenUser(this.sjwt, token)
    token.setExp()
    token.setIat()
    return { token: await token.sign() }
  }
}

/** POST {token} → {}: the token's signature and expiry hold (any type). */
export class TokenVerifySerializer extends Serializer {
  fields(): readonly string[] {
    return ['token']
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    const { settings, tokens } = this.sjwt
    const token = await this.sjwt.UntypedToken.decode(attrs['token'])
    const jti = token.jti
    if (settings.blacklistAfterRotation && tokens !== undefined && jti !== undefined) {
      const { blacklisted, revoked } = await token.revocationStatus(jti)
      if (blacklisted || revoked) {
        // simplejwt 5.2.2 raises this one untranslated.
        throw new ValidationError({
          non_field_errors: [{ ...message('Token is blacklisted'), translate: false }],
        })
      }
    }
    return {}
  }
}

/** POST {refresh} → {}: the refresh token is blacklisted. */
export class TokenBlacklistSerializer extends Serializer {
  fields(): readonly string[] {
    return ['refresh']
  }

  tokenClass(): TokenClass {
    return this.sjwt.RefreshToken
  }

  override async validate(
    attrs: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    this.sjwt.requireTokens()
    const refresh = await this.tokenClass().decode(attrs['refresh'])
    if (!(await refresh.blacklist())) {
      await refresh.revokeFamily()
      throw tokenError('Token is blacklisted')
    }
    return {}
  }
}

function accessTokenOf(token: Token): Token {
  if (!('accessToken' in token)) throw new TypeError(`${token.constructor.name} has no accessToken`)
  return (token as { accessToken: Token }).accessToken
}

/**
 * Refreshing is refused for a user who no longer passes the user rule (inactive or deleted), as
 * later simplejwt releases do (CHECK_USER_IS_ACTIVE).
 */
async function checkTokenUser(sjwt: SimpleJWT, token: Token): Promise<void> {
  const { settings, users } = sjwt
  const userId = token.get(settings.userIdClaim)
  if (!settings.checkUserIsActive || users === undefined || !userId) return
  const user = await failClosed(() => users.getUser(settings.userIdField, userId))
  if (!settings.userAuthenticationRule(user)) {
    throw noActiveAccount('No active account found for the given token.')
  }
}

/** Django REST framework's own AuthenticationFailed, whose body is `{ detail }` alone. */
function noActiveAccount(template: string): AuthenticationFailed {
  return new AuthenticationFailed(message(template), 'no_active_account', { withCode: false })
}

const FIELD_ERRORS = {
  required: message('This field is required.'),
  null: message('This field may not be null.'),
  blank: message('This field may not be blank.'),
  invalid: message('Not a valid string.'),
  // Django's ProhibitNullCharactersValidator, which DRF's CharField adds.
  nullCharacters: message('Null characters are not allowed.'),
} satisfies Record<string, Message>

// DRF's ProhibitSurrogateCharactersValidator; the code point is written in upper-case hex.
const SURROGATE = 'Surrogate characters are not allowed: U+{code_point:X}.'

/** Reads `fields` from a body with CharField rules, or throws DRF's ValidationError. */
export function readFields(body: unknown, fields: readonly string[]): Record<string, string> {
  if (body === null || body === undefined) {
    throw new ValidationError({ non_field_errors: [message('No data provided')] })
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError({
      non_field_errors: [
        message('Invalid data. Expected a dictionary, but got {datatype}.', pythonTypeName(body)),
      ],
    })
  }
  const data = body as Record<string, unknown>
  const values: Record<string, string> = {}
  const errors: Record<string, Message[]> = {}
  for (const field of fields) {
    const value = Object.hasOwn(data, field) ? data[field] : undefined
    const result = charField(value)
    if (typeof result === 'string') values[field] = result
    else errors[field] = result
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors)
  return values
}

// What Python's str.strip() removes (str.isspace), which is not what String.prototype.trim() does:
// Python also strips U+001C..U+001F and U+0085, and keeps U+FEFF.
const PY_SPACE = new Set(
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000',
)

/** Python's str.strip(), in linear time (a `\s+$` regex would be quadratic on long runs of spaces). */
function pyStrip(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && PY_SPACE.has(text.charAt(start))) start++
  while (end > start && PY_SPACE.has(text.charAt(end - 1))) end--
  return text.slice(start, end)
}

/** The value or its errors, as DRF's CharField: blank check, str(), strip(), then its validators. */
function charField(value: unknown): string | Message[] {
  if (value === undefined) return [FIELD_ERRORS.required]
  if (value === null) return [FIELD_ERRORS.null]
  // DRF accepts numbers and writes them as strings; any other non-string is invalid.
  if (typeof value !== 'string' && typeof value !== 'number') return [FIELD_ERRORS.invalid]
  const text = pyStrip(String(value))
  if (text === '') return [FIELD_ERRORS.blank]
  // Both validators run and both report, as DRF's run_validators collects their errors.
  const errors: Message[] = []
  if (text.includes('\0')) errors.push(FIELD_ERRORS.nullCharacters)
  const surrogate = loneSurrogate(text)
  if (surrogate !== undefined) errors.push(message(SURROGATE, surrogate.toString(16).toUpperCase()))
  return errors.length > 0 ? errors : text
}

/**
 * The first UTF-16 surrogate not part of a pair: Python's JSON decoder joins a pair into one
 * character, so only unpaired ones reach DRF's ProhibitSurrogateCharactersValidator.
 */
function loneSurrogate(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0xd800 || unit > 0xdfff) continue
    const next = text.charCodeAt(i + 1)
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++
      continue
    }
    return unit
  }
  return undefined
}

function pythonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'list'
  switch (typeof value) {
    case 'string':
      return 'str'
    case 'boolean':
      return 'bool'
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float'
    default:
      return typeof value
  }
}
