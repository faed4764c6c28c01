import { readFileSync } from 'node:fs'
import { DEVELOPMENT_SECRET_KEY } from '@simplejwt/demo-support'

/** A configuration both sides are started with: the same SECRET_KEY and SIMPLE_JWT_JSON. */
export interface Profile {
  readonly name: string
  /** simplejwt's settings by their own names; lifetimes and LEEWAY in seconds. */
  readonly settings: Readonly<Record<string, unknown>>
  /** Django's SECRET_KEY and the apps' SECRET_KEY. Default: the contract's development key. */
  readonly secretKey?: string
  /** Sent with every request of the profile (Accept-Language). */
  readonly headers?: Readonly<Record<string, string>>
}

function key(name: string): string {
  return readFileSync(new URL(`../../core/test/keys/${name}`, import.meta.url), 'utf8')
}

export const AUDIENCE = 'contract-audience'
export const ISSUER = 'https://issuer.contract.test'

export const DEFAULT: Profile = {
  name: 'default settings (HS256, SECRET_KEY as the signing key)',
  settings: {},
}

export const ROTATION: Profile = {
  name: 'rotation with blacklist',
  settings: { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
}

export const KOREAN: Profile = {
  name: 'Korean (Accept-Language: ko), rotation with blacklist',
  settings: ROTATION.settings,
  headers: { 'accept-language': 'ko' },
}

export const CUSTOM_NAMES: Profile = {
  name: 'custom claim and header names',
  settings: {
    USER_ID_CLAIM: 'uid',
    TOKEN_TYPE_CLAIM: 'kind',
    JTI_CLAIM: 'token_id',
    SLIDING_TOKEN_REFRESH_EXP_CLAIM: 'slide_until',
    AUTH_HEADER_NAME: 'HTTP_X_ACCESS_TOKEN',
    AUTH_HEADER_TYPES: ['JWT'],
  },
}

export const AUDIENCE_ISSUER: Profile = {
  name: 'AUDIENCE and ISSUER',
  settings: { AUDIENCE, ISSUER },
}

export const LEEWAY: Profile = {
  name: 'LEEWAY and lifetimes in seconds',
  settings: {
    LEEWAY: 30,
    ACCESS_TOKEN_LIFETIME: 120,
    REFRESH_TOKEN_LIFETIME: 3600,
    SLIDING_TOKEN_LIFETIME: 90,
    SLIDING_TOKEN_REFRESH_LIFETIME: 600,
  },
}

export const HS512: Profile = {
  name: 'HS512 with a SIGNING_KEY of its own',
  settings: {
    ALGORITHM: 'HS512',
    SIGNING_KEY: 'contract-hs512-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF',
  },
}

export const RS256: Profile = {
  name: 'RS256 (PEM keys)',
  settings: {
    ALGORITHM: 'RS256',
    SIGNING_KEY: key('rsa-private.pem'),
    VERIFYING_KEY: key('rsa-public.pem'),
  },
}

export const ES256: Profile = {
  name: 'ES256 (PEM keys)',
  settings: {
    ALGORITHM: 'ES256',
    SIGNING_KEY: key('ec-p256-private.pem'),
    VERIFYING_KEY: key('ec-p256-public.pem'),
  },
}

/** The names a profile gives the claims and the header, with simplejwt's defaults. */
export function namesOf(profile: Profile) {
  const s = profile.settings as Record<string, string | readonly string[] | undefined>
  const text = (name: string, fallback: string) => {
    const value = s[name]
    return typeof value === 'string' ? value : fallback
  }
  const headerName = text('AUTH_HEADER_NAME', 'HTTP_AUTHORIZATION')
  const types = s['AUTH_HEADER_TYPES']
  return {
    userId: text('USER_ID_CLAIM', 'user_id'),
    tokenType: text('TOKEN_TYPE_CLAIM', 'token_type'),
    jti: text('JTI_CLAIM', 'jti'),
    slidingRefreshExp: text('SLIDING_TOKEN_REFRESH_EXP_CLAIM', 'refresh_exp'),
    /** The HTTP header: Django's `HTTP_X_ACCESS_TOKEN` is `x-access-token`. */
    header: headerName
      .replace(/^HTTP_/, '')
      .replaceAll('_', '-')
      .toLowerCase(),
    /** The first of AUTH_HEADER_TYPES: what a client writes before the token. */
    headerType: Array.isArray(types) ? (types[0] as string) : text('AUTH_HEADER_TYPES', 'Bearer'),
  }
}

/** The secret both sides get as SECRET_KEY. */
export function secretKeyOf(profile: Profile): string {
  return profile.secretKey ?? DEVELOPMENT_SECRET_KEY
}

/** The key tokens are signed with: SIGNING_KEY, else SECRET_KEY (as in Django). */
export function signingKeyOf(profile: Profile): string {
  const signingKey = profile.settings['SIGNING_KEY']
  return typeof signingKey === 'string' ? signingKey : secretKeyOf(profile)
}
