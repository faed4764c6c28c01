import { describe, expect, it } from 'vitest'
import { authorizationParts } from './headers'

/** Python's `bytes.split()`: runs of ASCII whitespace, empty parts dropped. */
const pythonSplit = (value: string) => value.split(/[ \t\n\r\v\f]+/).filter((part) => part !== '')

describe('authorizationParts', () => {
  it('splits as Python bytes.split() does, on the usual header and on every odd one', () => {
    const values = [
      'Bearer abc.def.ghi',
      'Bearer  abc',
      ' Bearer abc',
      'Bearer abc ',
      'Bearer',
      'Bearer ',
      ' ',
      '',
      'Bearer abc def',
      'Bearer\tabc',
      'Bearer abc\tdef',
      'Bearer abc\ndef',
      'Bearer abc\rdef',
      'Bearer abc\u000bdef',
      'Bearer abc\fdef',
      'Bearer abc\u00a0def',
      'Bearer abc\u2003def',
      'Bearer\u00a0abc',
      'JWT x',
      'a b',
    ]
    for (const value of values)
      expect([value, authorizationParts(value)]).toEqual([value, pythonSplit(value)])
    expect(authorizationParts(null)).toBeNull()
  })
})
