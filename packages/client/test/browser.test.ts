/**
 * The client in real Chromium: two pages of one origin (a demo app's), sharing localStorage.
 * The test page and the client bundle (built from src by esbuild) are served at the demo's own
 * origin by `context.route`; the API calls reach the demo app.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Server, sleep, startDemo } from './suite'

const CHROMIUM = '/usr/bin/chromium'
const VIEW = '/api/some-protected-view/'

let server: Server | undefined
let browser: Browser | undefined
let bundle = ''

interface Tab {
  readonly page: Page
  /** Runs `client.fetch(VIEW)` `times` at once in the page; resolves the statuses. */
  call(times: number): Promise<number[]>
  tokens(): Promise<{ access: string; refresh: string } | null>
}

/** A context whose pages get the test page and the bundle at the demo's origin. */
async function origin(options: { withoutWebLocks?: boolean } = {}) {
  if (server === undefined || browser === undefined) throw new Error('not started')
  const url = server.url
  const context: BrowserContext = await browser.newContext()
  const refreshes: string[] = []
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/token/refresh/') refreshes.push(request.url())
  })
  if (options.withoutWebLocks === true) {
    await context.addInitScript(() => {
      delete (Navigator.prototype as { locks?: unknown }).locks
    })
  }
  await context.route(`${url}/__client.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: bundle }),
  )
  await context.route(`${url}/__client.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><script type="module">
        import * as sjwt from '/__client.js'
        window.client = sjwt.createClient({ storage: sjwt.webStorage(localStorage), refreshMargin: false })
        window.ready = true
      </script>`,
    }),
  )
  const open = async (): Promise<Tab> => {
    const page = await context.newPage()
    await page.goto(`${url}/__client.html`)
    await page.waitForFunction(() => (window as { ready?: boolean }).ready === true)
    return {
      page,
      call: (times) =>
        page.evaluate(
          ([path, n]) =>
            Promise.all(
              Array.from({ length: n }, () =>
                (window as unknown as { client: { fetch: typeof fetch } }).client
                  .fetch(path)
                  .then((r) => r.status),
              ),
            ),
          [VIEW, times] as const,
        ),
      tokens: () =>
        page.evaluate(
          () =>
            (
              window as unknown as {
                client: { tokens: { access: string; refresh: string } | null }
              }
            ).client.tokens,
        ),
    }
  }
  return { context, refreshes, open }
}

const login = (tab: Tab) =>
  tab.page.evaluate(() =>
    (window as unknown as { client: { login(c: object): Promise<unknown> } }).client
      .login({ username: 'alice', password: 'alice-password' })
      .then(() => undefined),
  )

/** Until every access token issued so far has expired (2 s, exp in whole seconds). */
const expiry = () => sleep(3100)

const ci = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())
// Without Chromium the suite fails in CI and is skipped with a message elsewhere.
const available = existsSync(CHROMIUM)
if (!available && !ci) {
  console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`)
}

describe.skipIf(!available && !ci)(
  'in Chromium, two pages of one origin sharing localStorage',
  () => {
    beforeAll(async () => {
      const built = await build({
        entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
      })
      bundle = built.outputFiles[0]?.text ?? ''
      ;[server, browser] = await Promise.all([
        startDemo('express'),
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
      ])
    })

    afterAll(async () => {
      await browser?.close()
      await server?.stop()
    })

    it('both tokens expire, both pages call at once: one refresh between them, all calls served', async () => {
      const { context, refreshes, open } = await origin()
      const [one, two] = [await open(), await open()]
      expect(await one.page.evaluate(() => 'locks' in navigator)).toBe(true)
      await login(one)
      // The pair reached page two through BroadcastChannel.
      await expect.poll(() => two.tokens()).toEqual(await one.tokens())
      await expiry()
      const [a, b] = await Promise.all([one.call(3), two.call(3)])
      expect([...a, ...b]).toEqual(Array(6).fill(200))
      expect(refreshes).toHaveLength(1)
      expect(await two.tokens()).toEqual(await one.tokens())
      // And the next calls of both go on, on the new pair.
      expect([...(await one.call(1)), ...(await two.call(1))]).toEqual([200, 200])
      expect(refreshes).toHaveLength(1)
      await context.close()
    })

    it('without Web Locks, a page still makes one refresh for its concurrent calls', async () => {
      const { context, refreshes, open } = await origin({ withoutWebLocks: true })
      const [one, two] = [await open(), await open()]
      expect(await one.page.evaluate(() => 'locks' in navigator)).toBe(false)
      await login(one)
      await expect.poll(() => two.tokens()).toEqual(await one.tokens())
      await expiry()
      expect(await one.call(5)).toEqual(Array(5).fill(200))
      expect(refreshes).toHaveLength(1)
      // Page two was told of the new pair: it calls without a refresh of its own.
      await expect.poll(() => two.tokens()).toEqual(await one.tokens())
      expect(await two.call(2)).toEqual([200, 200])
      expect(refreshes).toHaveLength(1)
      await context.close()
    })
  },
)
