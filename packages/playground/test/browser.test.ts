/**
 * The playground page in real Chromium, served by each demo app started as a process with a
 * short access lifetime: login, the decoded tokens, a call, the client's own refreshes (ahead of
 * exp, then after a 401), a tampered token refused in Korean, logout. Role and label locators
 * only, so the page's labels are tested with it. A screenshot per app goes to artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type DemoProcess, startDemoProcess } from '@simplejwt/demo-support/testing'
import { type Browser, chromium, type Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const APPS = ['express', 'hono', 'koa'] as const
/** Seconds: short enough to wait out twice per app, long enough for a login and a call. */
const ACCESS_LIFETIME = 5
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))
const README_SCREENSHOT = fileURLToPath(new URL('../screenshot.png', import.meta.url))
const appDir = (name: string) =>
  fileURLToPath(new URL(`../../../apps/${name}-demo`, import.meta.url))

const ci = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())
// Without Chromium the suite fails in CI and is skipped with a message elsewhere.
const available = existsSync(CHROMIUM)
if (!available && !ci) {
  console.warn(
    `skipping the playground's browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  )
}

const dir = mkdtempSync(join(tmpdir(), 'playground-'))
const apps = new Map<string, DemoProcess>()
let browser: Browser | undefined

/** Waits until `locator`'s text contains `text` (the page updates after its calls answer). */
const showsText = (locator: Locator, text: string, timeout = 5_000) =>
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, what a person sees.
  expect.poll(() => locator.innerText(), { timeout }).toContain(text)

/**
 * Opens the page at a phone's width. `close` checks that no token or form field went into a URL
 * (no request had a query string) and that nothing was blocked (by the CSP) or thrown, then
 * closes it.
 */
async function open(base: string) {
  if (browser === undefined) throw new Error('Chromium did not start')
  const context = await browser.newContext({ viewport: { width: 360, height: 780 } })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  // A script or style the CSP blocked is reported as a console error (the 401 and 403 answers
  // the page asks for are reported too, as failed loads: those are expected).
  page.on('console', (message) => {
    const text = message.text()
    if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
      problems.push(text)
    }
  })
  const urls: string[] = []
  page.on('request', (request) => urls.push(request.url()))
  await page.goto(`${base}/`)
  const close = async () => {
    expect(page.url()).toBe(`${base}/`)
    // A form sent as a navigation would put its fields in the query string.
    const carrying = urls.filter((url) => {
      const { search, hash } = new URL(url)
      return search !== '' || hash !== '' || url.includes('eyJ')
    })
    expect(carrying).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  }
  return { page, close }
}

describe.skipIf(!available && !ci)('the playground page in Chromium', () => {
  beforeAll(async () => {
    const started = await Promise.all([
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
      ...APPS.map((name) =>
        startDemoProcess(appDir(name), {
          DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite3`)}`,
          SIMPLE_JWT_JSON: JSON.stringify({ ACCESS_TOKEN_LIFETIME: ACCESS_LIFETIME }),
        }).then((app) => apps.set(name, app)),
      ),
    ])
    browser = started[0]
    mkdirSync(ARTIFACTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all([...apps.values()].map((app) => app.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  describe.each(APPS)('served by the %s demo', (name) => {
    const app = () => {
      const started = apps.get(name)
      if (started === undefined) throw new Error(`the ${name} demo did not start`)
      return started
    }

    it('serves GET / as HTML with a strict Content-Security-Policy, never cached', async () => {
      const reply = await fetch(`${app().url}/`)
      expect(reply.status).toBe(200)
      expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(reply.headers.get('cache-control')).toBe('no-store')
      const policy = reply.headers.get('content-security-policy') ?? ''
      expect(policy).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*';/)
      expect(policy).toContain("form-action 'none'")
      expect(policy).not.toContain('unsafe-inline')
      expect(await reply.text()).toContain('<label for="username">Username</label>')
    })

    it('logs in, shows the tokens, refreshes on its own, speaks Korean, logs out', async () => {
      const { page, close } = await open(app().url)
      const access = page.getByRole('article', { name: 'Access token' })
      const response = page.getByRole('region', { name: 'Response' })
      const log = page.getByRole('region', { name: 'Log' })
      const logLines = (text: string) => log.getByRole('listitem').filter({ hasText: text })
      await showsText(page.getByRole('region', { name: 'Tokens' }), 'Not logged in.')
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        360,
      )

      // Log in with the keyboard: Tab from field to field, Enter submits with "Log in".
      await page.getByLabel('Username').fill('alice')
      await page.keyboard.press('Tab')
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.id))
        .toBe(await page.getByLabel('Password').getAttribute('id'))
      await page.keyboard.type('alice-password')
      await page.keyboard.press('Tab')
      // The focused button shows it.
      expect(
        await page.getByRole('button', { name: 'Log in' }).evaluate((button) => ({
          focused: button === document.activeElement,
          outline: getComputedStyle(button).outlineStyle,
        })),
      ).toEqual({ focused: true, outline: 'solid' })
      await page.keyboard.press('Enter')
      await showsText(access, '"user_id": 1')
      await showsText(access, '"token_type": "access"')
      await showsText(
        page.getByRole('article', { name: 'Refresh token' }),
        '"token_type": "refresh"',
      )
      await showsText(access, 'expires in')
      await showsText(response, 'POST /api/token/ → 200')
      // Long tokens and bodies wrap: nothing is wider than the phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        360,
      )
      await expect.poll(() => logLines('Logged in').count()).toBe(1)

      await page.getByRole('button', { name: 'Protected view' }).click()
      await showsText(response, 'GET /api/some-protected-view/ → 200')
      await showsText(response, '"username": "alice"')
      expect(await logLines('on its own').count()).toBe(0)

      // The access token expires; the next call is refreshed first (ahead of exp).
      await showsText(access, 'expired', (ACCESS_LIFETIME + 2) * 1000)
      await page.getByRole('button', { name: 'Protected view' }).click()
      await expect.poll(() => logLines('on its own, ahead of exp').count()).toBe(1)
      await showsText(response, 'POST /api/token/refresh/ → 200')
      await showsText(response, 'GET /api/some-protected-view/ → 200')
      await showsText(access, 'expires in')

      // Without refresh ahead of time, the expired token gets a 401, then a refresh and a retry.
      await page.getByLabel('Refresh ahead of').uncheck()
      await showsText(access, 'expired', (ACCESS_LIFETIME + 2) * 1000)
      await page.getByRole('button', { name: 'Protected view' }).click()
      await expect.poll(() => logLines('on its own, after a 401').count()).toBe(1)
      const calls = await response.locator('code').allInnerTexts()
      expect(calls).toEqual([
        'GET /api/some-protected-view/',
        'POST /api/token/refresh/',
        'GET /api/some-protected-view/',
      ])
      await showsText(response, '→ 401')
      await showsText(response, '→ 200')
      expect(await response.locator('strong').allInnerTexts()).toEqual([
        '401 Unauthorized',
        '200 OK',
        '200 OK',
      ])
      // The README's picture, in English (the machine may have no Korean font), on request only:
      // it changes with every run.
      if (name === 'express' && process.env['UPDATE_SCREENSHOT'] === '1') {
        await page.setViewportSize({ width: 1200, height: 900 })
        await page.screenshot({ path: README_SCREENSHOT, fullPage: true })
        await page.setViewportSize({ width: 360, height: 780 })
      }

      // In Korean, a token with one character of its signature changed is refused.
      await page.getByLabel('Language').selectOption('ko')
      const field = page.getByLabel('Token to verify')
      const token = await field.inputValue()
      const signatureAt = token.lastIndexOf('.') + 1
      const tampered =
        token.slice(0, signatureAt) +
        (token[signatureAt] === 'A' ? 'B' : 'A') +
        token.slice(signatureAt + 1)
      await field.fill(tampered)
      await page.getByRole('button', { name: 'Verify', exact: true }).click()
      await showsText(response, 'POST /api/token/verify/ → 401')
      await showsText(response, '유효하지 않거나 만료된 토큰')
      await showsText(response, 'The server refuses this token.')

      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

      await page.getByRole('button', { name: 'Log out (blacklist)' }).click()
      await showsText(response, 'POST /api/token/blacklist/ → 200')
      await showsText(response, 'The refresh token is blacklisted.')
      await showsText(access, 'None.')
      await expect.poll(() => logLines('Logged out').count()).toBe(1)

      await close()
    })

    it('registers, calls the other routes, changes the password, logs out everywhere', async () => {
      const { page, close } = await open(app().url)
      const access = page.getByRole('article', { name: 'Access token' })
      const response = page.getByRole('region', { name: 'Response' })
      const log = page.getByRole('region', { name: 'Log' })

      // Sign-up: the 201 answer's pair is given to the client (users 1 to 3 are seeded).
      await page.getByLabel('Username').fill('carol')
      await page.getByLabel('Password').fill('carol-password')
      await page.getByRole('button', { name: 'Register' }).click()
      await showsText(response, 'POST /api/register/ → 201')
      await showsText(access, '"user_id": 4')
      await showsText(log, 'Registered')

      await page.getByRole('button', { name: 'Admin-only view' }).click()
      await showsText(response, 'GET /api/admin-only-view/ → 403')
      await page.getByRole('button', { name: 'Stateless view' }).click()
      await showsText(response, 'GET /api/stateless-view/ → 200')
      await showsText(response, '"id": 4')
      await page.getByRole('button', { name: 'Refresh', exact: true }).click()
      await showsText(response, 'POST /api/token/refresh/ → 200')
      await showsText(log, 'Refreshed (the Refresh button).')

      await page.getByLabel('Old', { exact: true }).fill('wrong')
      await page.getByLabel('New', { exact: true }).fill('carol-new-password')
      await page.getByRole('button', { name: 'Change password' }).click()
      await showsText(response, 'POST /api/change-password/ → 400')
      await showsText(response, 'Your old password was entered incorrectly.')
      await page.getByLabel('Old', { exact: true }).fill('carol-password')
      await page.getByRole('button', { name: 'Change password' }).click()
      await showsText(response, 'POST /api/change-password/ → 200')

      // Every token issued so far is refused: the next call's refresh is refused too, and the
      // client forgets the tokens.
      await page.getByRole('button', { name: 'Log out everywhere' }).click()
      await showsText(response, 'POST /api/logout-everywhere/ → 200')
      await page.getByRole('button', { name: 'Protected view' }).click()
      await showsText(response, 'POST /api/token/refresh/ → 401')
      await showsText(response, 'SessionExpiredError')
      await showsText(access, 'None.')
      await showsText(log, 'The refresh token was refused')
      expect(await log.getByRole('listitem').filter({ hasText: 'on its own' }).count()).toBe(0)

      // The new password logs in.
      await page.getByLabel('Username').fill('carol')
      await page.getByLabel('Password').fill('carol-new-password')
      await page.getByRole('button', { name: 'Log in' }).click()
      await showsText(access, '"user_id": 4')
      await close()
    })
  })
})
