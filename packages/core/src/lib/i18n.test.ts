import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { formatMessage, negotiateLanguage, translate } from './i18n'

interface Vectors {
  negotiation: Array<{ acceptLanguage: string; language: string }>
  msgids: string[]
  translations: Record<string, Record<string, string>>
}

// Computed by the real Django 3.2 + DRF 3.14 + simplejwt 5.2.2 (scripts/extract-locales.py).
const vectors = JSON.parse(
  readFileSync(new URL('../../test/vectors/i18n.json', import.meta.url), 'utf8'),
) as Vectors

describe('negotiateLanguage', () => {
  it.each(vectors.negotiation)('$acceptLanguage -> $language', ({ acceptLanguage, language }) => {
    expect(negotiateLanguage(acceptLanguage)).toBe(language)
    // A second call is served from the cache and must agree.
    expect(negotiateLanguage(acceptLanguage)).toBe(language)
  })

  it('treats a missing header like an empty one', () => {
    expect(negotiateLanguage(null)).toBe(negotiateLanguage(''))
    expect(negotiateLanguage(undefined)).toBe(negotiateLanguage(''))
  })
})

describe('translate', () => {
  it.each(Object.keys(vectors.translations))('matches Django gettext for %s', (language) => {
    const expected = vectors.translations[language] ?? {}
    expect(Object.keys(expected)).toEqual(vectors.msgids)
    for (const msgid of vectors.msgids) {
      expect([msgid, translate(msgid, language)]).toEqual([msgid, expected[msgid]])
    }
  })

  it('gives the Korean message for Accept-Language: ko', () => {
    expect(translate('Token is invalid or expired', negotiateLanguage('ko'))).toBe(
      '유효하지 않거나 만료된 토큰',
    )
  })

  it('returns the msgid for unknown messages and languages', () => {
    expect(translate('No such message', 'ko')).toBe('No such message')
    expect(translate('constructor', 'ko')).toBe('constructor')
    expect(translate('Token is invalid or expired', 'xx')).toBe('Token is invalid or expired')
  })
})

describe('formatting', () => {
  it('fills positional and named placeholders', () => {
    expect(formatMessage("Token has no '{}' claim", 'user_id')).toBe("Token has no 'user_id' claim")
    expect(formatMessage('Invalid data. Expected a dictionary, but got {datatype}.', 'list')).toBe(
      'Invalid data. Expected a dictionary, but got list.',
    )
  })
})
