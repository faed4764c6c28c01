/**
 * Hostile request bodies against the core's parser (Django REST framework's JSON, form and
 * multipart parsers): what Python refuses is refused, and nothing reaches Object.prototype.
 */
import { describe, expect, it } from 'vitest'
import { parseBody } from '../../src/lib/body'

const JSON_TYPE = 'application/json'

describe('hostile bodies', () => {
  it('refuses JSON that starts with a byte order mark, as json.loads does (RFC 8259 §8.1)', async () => {
    for (const raw of ['\ufeff{"username": "alice"}', new TextEncoder().encode('\ufeff{}')]) {
      const parsed = await parseBody(JSON_TYPE, raw)
      expect(parsed.ok).toBe(false)
      if (parsed.ok) continue
      expect(parsed.status).toBe(400)
      expect(parsed.detail).toMatchObject({ template: 'JSON parse error - {detail}' })
    }
  })

  it('refuses JSON with comments (RFC 8259 §2)', async () => {
    const parsed = await parseBody(JSON_TYPE, '{"username": "alice" /* admin */}')
    expect(parsed).toMatchObject({ ok: false, status: 400 })
  })

  it('keeps "__proto__" and "constructor" as plain members (prototype pollution)', async () => {
    const parsed = await parseBody(
      JSON_TYPE,
      '{"__proto__": {"isStaff": true}, "constructor": {"prototype": {"isStaff": true}}}',
    )
    if (!parsed.ok) throw new Error('not parsed')
    const body = parsed.body as Record<string, unknown>
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(body['isStaff']).toBeUndefined()
    expect(({} as Record<string, unknown>)['isStaff']).toBeUndefined()
    expect(Object.keys(body)).toEqual(['__proto__', 'constructor'])
  })

  it('keeps a form field named "__proto__" as a plain field, and the last of a repeated field', async () => {
    const parsed = await parseBody(
      'application/x-www-form-urlencoded',
      '__proto__=x&username=admin&username=alice',
    )
    if (!parsed.ok) throw new Error('not parsed')
    const body = parsed.body as Record<string, unknown>
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(body['username']).toBe('alice')
  })
})
