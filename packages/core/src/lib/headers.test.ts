import { describe, expect, it } from 'vitest'
import { authorizationParts, headerValue, nodeHeaders, RawHeaders } from './headers'

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

describe('RawHeaders', () => {
  const headers = new RawHeaders([
    'Host',
    'example.com',
    'Authorization',
    'Bearer a',
    'X-Seen',
    '',
    'authorization',
    'Bearer b',
    'AUTHORIZATION',
    '',
  ])

  it('finds a header in any case, joining its repeats by commas as Django does', () => {
    expect(headers.get('authorization')).toBe('Bearer a,Bearer b,')
    expect(headers.get('Authorization')).toBe('Bearer a,Bearer b,')
    expect(headers.get('host')).toBe('example.com')
    expect(headers.get('x-seen')).toBe('')
    expect(headers.get('accept-language')).toBeNull()
    expect(headerValue(headers, 'host')).toBe('example.com')
  })

  it('takes the first Content-Type and Content-Length, as Django does (CGI variables, not joined)', () => {
    const body = new RawHeaders([
      'Content-Type',
      'application/json',
      'content-type',
      'text/plain',
      'Content-Length',
      '2',
    ])
    expect(body.get('content-type')).toBe('application/json')
    expect(body.get('Content-Length')).toBe('2')
  })

  it('reads the names only (a value equal to a name is not a name)', () => {
    expect(new RawHeaders(['X-A', 'authorization']).get('authorization')).toBeNull()
    expect(new RawHeaders(['authorization']).get('authorization')).toBeNull()
    expect(new RawHeaders([]).get('authorization')).toBeNull()
  })
})

describe('nodeHeaders', () => {
  it("reads a Node request's raw list, or its map when it has none", () => {
    const map = { authorization: 'Bearer a' }
    const fromRaw = nodeHeaders({ rawHeaders: ['Authorization', 'Bearer b'], headers: map })
    expect(headerValue(fromRaw, 'authorization')).toBe('Bearer b')
    expect(nodeHeaders({ headers: map })).toBe(map)
  })
})
