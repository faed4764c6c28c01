import { ConfigurationError } from '../errors'

/**
 * A length of time: seconds as a number (as in a pasted Django `SIMPLE_JWT` dict), a string such
 * as `'90s'`, `'5m'`, `'12h'`, `'7d'`, `'1w'` or `'1h30m'`, or an object like `{ minutes: 5 }`.
 */
export type Duration =
  | number
  | string
  | {
      readonly weeks?: number
      readonly days?: number
      readonly hours?: number
      readonly minutes?: number
      readonly seconds?: number
      readonly milliseconds?: number
    }

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
}

const OBJECT_UNITS: Readonly<Record<string, number>> = {
  weeks: 604800,
  days: 86400,
  hours: 3600,
  minutes: 60,
  seconds: 1,
  milliseconds: 0.001,
}

/** Converts a {@link Duration} to seconds, or throws a {@link ConfigurationError} naming `setting`. */
export function toSeconds(value: unknown, setting: string): number {
  const seconds = parse(value)
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    throw new ConfigurationError(
      `${setting} must be a duration: seconds as a non-negative number, a string like '5m' or '1h30m', or an object like { minutes: 5 }; got ${describe(value)}`,
    )
  }
  return seconds
}

function parse(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const text = value.trim()
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text)
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g)]
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.replace(/\s+/g, '')) {
      return undefined
    }
    return parts.reduce(
      (sum, [, n, unit]) => sum + Number(n) * (UNIT_SECONDS[unit ?? ''] ?? NaN),
      0,
    )
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    let sum = 0
    for (const [key, n] of Object.entries(value)) {
      const factor = OBJECT_UNITS[key]
      if (factor === undefined || typeof n !== 'number') return undefined
      sum += n * factor
    }
    return sum
  }
  return undefined
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}
