import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { playgroundHtml, playgroundPage } from './index'

const sha256 = (text: string) =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/** The text of every `<tag>...</tag>` element in `html`. */
const contents = (html: string, tag: string) =>
  [...html.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map(
    (match) => match[1] ?? '',
  )

describe('playgroundPage', () => {
  it('inlines one module script and one style element, each allowed by its hash alone', async () => {
    const { body, headers } = await playgroundPage()
    const scripts = contents(body, 'script')
    const styles = contents(body, 'style')
    expect(scripts).toHaveLength(1)
    expect(styles).toHaveLength(1)
    expect(body).toContain('<script type="module">')
    expect(body).not.toMatch(/<script[^>]* src=|<link rel="stylesheet"/)
    const policy = headers['content-security-policy'] ?? ''
    const directives = new Map(
      policy.split('; ').map((directive) => {
        const [name = '', ...values] = directive.split(' ')
        return [name, values.join(' ')] as const
      }),
    )
    expect(directives.get('default-src')).toBe("'none'")
    expect(directives.get('script-src')).toBe(sha256(scripts[0] ?? ''))
    expect(directives.get('style-src')).toBe(sha256(styles[0] ?? ''))
    expect(directives.get('connect-src')).toBe("'self'")
    expect(directives.get('form-action')).toBe("'none'")
    expect(directives.get('frame-ancestors')).toBe("'none'")
  })

  it('is sent as UTF-8 HTML, never cached', async () => {
    const { headers } = await playgroundPage()
    expect(headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    })
  })

  it('bundles the client into the script (no import left to fetch)', async () => {
    const [script = ''] = contents(await playgroundHtml(), 'script')
    expect(script).not.toMatch(/\bimport\s*[{*("']|@simplejwt\/client/)
    // The client's own refresh endpoint default, as bundled.
    expect(script).toContain('/api/token/refresh/')
  })

  it('has the contract\'s login form: "Username", "Password", "Log in"', async () => {
    const body = await playgroundHtml()
    expect(body).toContain('<label for="username">Username</label>')
    expect(body).toContain('<label for="password">Password</label>')
    expect(body).toMatch(/<button type="submit" value="login">Log in<\/button>/)
  })

  it('is built once', async () => {
    expect(await playgroundPage()).toBe(await playgroundPage())
  })
})
