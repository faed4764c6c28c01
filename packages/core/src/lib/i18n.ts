// Localised messages chosen the way the reference (Django 3.2 LocaleMiddleware + gettext) does.
// The data comes from scripts/extract-locales.py; see src/locales/NOTICE.md.
import catalogData from '../locales/catalogs.json'
import languageData from '../locales/languages.json'

type Catalogs = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>

const catalogs = catalogData as Catalogs
const DEFAULT_LANGUAGE: string = languageData.default
const SUPPORTED: readonly string[] = languageData.supported
const SUPPORTED_SET = new Set(SUPPORTED)
const AVAILABLE = new Set<string>(languageData.available)
const FALLBACKS = languageData.fallbacks as Readonly<Record<string, readonly string[]>>
const LOOKUP_ORDER = languageData.catalogues as Readonly<Record<string, readonly string[]>>

// Django refuses to process longer language codes and Accept-Language values.
const MAX_LENGTH = 500
// Python's \s (str.isspace). Header values are byte strings, so Python's \d is just [0-9] here.
const NON_LATIN1_WS = String.raw`\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`
const WS = String.raw`[\t\n\v\f\r\x1c-\x1f \x85\xa0${NON_LATIN1_WS}]*`
// Django's accept_language_re, verbatim apart from the character classes above.
const ACCEPT_LANGUAGE_RE = new RegExp(
  [
    '([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\\*)', // "en", "en-au", "x-y-z", "es-419", "*"
    `(?:${WS};${WS}q=(0(?:\\.[0-9]{0,3})?|1(?:\\.0{0,3})?))?`, // optional "q=1.00", "q=0.8"
    `(?:${WS},${WS}|$)`, // multiple accepts per header
  ].join(''),
)
const LANGUAGE_CODE_RE = /^[a-z]{1,8}(?:-[a-z0-9]{1,8})*(?:@[a-z0-9]{1,20})?$/i

/** parse_accept_lang_header: [language, q] pairs by descending q; [] if malformed. */
function parseAcceptLanguage(header: string): Array<[string, number]> {
  let value = header
  if (value.length > MAX_LENGTH) {
    // Keep the complete ranges before the limit; a single over-long range is dropped.
    const index = value.lastIndexOf(',', MAX_LENGTH - 1)
    if (index <= 0) return []
    value = value.slice(0, index)
  }
  // Like Python's re.split, split() puts the two capture groups between the gaps.
  const pieces = value.toLowerCase().split(ACCEPT_LANGUAGE_RE)
  if (pieces[pieces.length - 1]) return []
  const result: Array<[string, number]> = []
  for (let i = 0; i < pieces.length - 1; i += 3) {
    const [gap, language, q] = pieces.slice(i, i + 3)
    if (gap || language === undefined) return []
    result.push([language, q ? Number(q) : 1])
  }
  // Array.prototype.sort is stable, like Python's.
  return result.sort((a, b) => b[1] - a[1])
}

/** get_supported_language_variant(code, strict=False). */
function supportedVariant(languageCode: string): string | undefined {
  let code = languageCode
  if (!code) return undefined
  if (code.length > MAX_LENGTH) {
    const index = code.lastIndexOf('-', MAX_LENGTH - 1)
    if (index <= 0) return undefined
    code = code.slice(0, index)
  }
  // e.g. zh-hant-tw -> zh-hant-tw, zh-hant, zh; zh-cn -> zh-cn, zh-hans (LANG_INFO), zh
  const candidates = [code, ...(FALLBACKS[code] ?? [])]
  for (let i = code.lastIndexOf('-'); i > -1; i = i > 0 ? code.lastIndexOf('-', i - 1) : -1) {
    candidates.push(code.slice(0, i))
  }
  // Codes reaching here are lower case, so check_for_language(code) is membership of AVAILABLE.
  const found = candidates.find((c) => SUPPORTED_SET.has(c.toLowerCase()) && AVAILABLE.has(c))
  if (found !== undefined) return found
  // Then the first listed regional variant (fr-fr -> fr-ca), without check_for_language.
  const generic = `${candidates[candidates.length - 1]}-`
  return SUPPORTED.find((c) => c.startsWith(generic))
}

const negotiated = new Map<string, string>()
const NEGOTIATION_CACHE_SIZE = 256

/**
 * The Django language code LocaleMiddleware activates for this Accept-Language header (no
 * cookie, no URL prefix). With no usable header that is 'en': 'en-us' is not in LANGUAGES.
 */
export function negotiateLanguage(acceptLanguage: string | null | undefined): string {
  const header = acceptLanguage ?? ''
  const cached = negotiated.get(header)
  if (cached !== undefined) return cached
  let language: string | undefined
  for (const [code] of parseAcceptLanguage(header)) {
    if (code === '*') break
    if (!LANGUAGE_CODE_RE.test(code)) continue
    language = supportedVariant(code)
    if (language !== undefined) break
  }
  language ??= supportedVariant(DEFAULT_LANGUAGE) ?? DEFAULT_LANGUAGE
  // Bounded, and only short headers, so hostile values cannot grow memory.
  if (header.length <= MAX_LENGTH) {
    if (negotiated.size >= NEGOTIATION_CACHE_SIZE) {
      const oldest = negotiated.keys().next()
      if (!oldest.done) negotiated.delete(oldest.value)
    }
    negotiated.set(header, language)
  }
  return language
}

function lookupOrder(language: string): readonly string[] {
  const code = language.toLowerCase()
  const order = LOOKUP_ORDER[code]
  if (order !== undefined) return order
  // An unknown language has no catalogue; Django then falls back to LANGUAGE_CODE's unless the
  // code is an English one.
  return code.startsWith('en') ? [] : (LOOKUP_ORDER[DEFAULT_LANGUAGE] ?? [])
}

/** gettext(message) with `language` active; the English msgid when nothing translates it. */
export function translate(message: string, language: string): string {
  // gettext normalises line endings and leaves the empty string alone.
  const msgid = message.replace(/\r\n?/g, '\n')
  if (!msgid) return ''
  // Catalogues in the order Django's merged catalogue and its fallbacks consult them.
  for (const name of lookupOrder(language)) {
    const [family = '', localeDir = ''] = name.split(':')
    const catalog = catalogs[family]?.[localeDir]
    if (catalog !== undefined && Object.hasOwn(catalog, msgid)) return catalog[msgid] ?? msgid
  }
  return msgid
}

/**
 * str.format for the placeholders of the catalogues: simplejwt's positional `{}` and DRF's named
 * `{datatype}`, filled in order. A format spec (`{code_point:X}`) is the caller's to apply: the
 * argument is written as it is.
 */
export function formatMessage(template: string, ...args: string[]): string {
  let next = 0
  return template.replace(/\{\w*(?::\w*)?\}/g, (placeholder) => args[next++] ?? placeholder)
}
