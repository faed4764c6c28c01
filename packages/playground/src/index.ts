/**
 * The playground page, built once in memory: src/page.ts bundled by esbuild (with
 * @simplejwt/client) and inlined, with the CSS, into src/index.html. The demo apps serve it at `/`
 * with no build step of their own.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The page and the headers to send it with. */
export interface PlaygroundPage {
  /** The HTML document, script and styles inlined. */
  readonly body: string
  /**
   * `Content-Type`, a `Content-Security-Policy` allowing only the inlined script and styles (by
   * their hashes) and requests to the page's own origin, `Cache-Control: no-store`, and others.
   */
  readonly headers: Readonly<Record<string, string>>
}

let built: Promise<PlaygroundPage> | undefined

/** The page, built at the first call (a few hundred milliseconds) and kept. */
export function playgroundPage(): Promise<PlaygroundPage> {
  built ??= buildPage().catch((error: unknown) => {
    // A failed build is tried again at the next call rather than kept.
    built = undefined
    throw error
  })
  return built
}

/** The page's HTML alone (see {@link playgroundPage} for the headers it needs). */
export async function playgroundHtml(): Promise<string> {
  return (await playgroundPage()).body
}

const source = (name: string) => fileURLToPath(new URL(name, import.meta.url))

async function buildPage(): Promise<PlaygroundPage> {
  // Loaded here, not at import, so that a demo app starts without it.
  const { build } = await import('esbuild')
  const [bundle, template, css] = await Promise.all([
    build({
      entryPoints: [source('./page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      // The client's errors take their name from their class (`SessionExpiredError`).
      keepNames: true,
      charset: 'utf8',
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
    }),
    readFile(source('./index.html'), 'utf8'),
    readFile(source('./page.css'), 'utf8'),
  ])
  const script = bundle.outputFiles[0]?.text ?? ''
  // esbuild escapes `</script` in the code it writes; a closing tag left in either would end the
  // element early, so refuse to serve such a page.
  if (script === '' || /<\/script/i.test(script))
    throw new Error('the page script cannot be inlined')
  if (/<\/style/i.test(css)) throw new Error('the page styles cannot be inlined')
  const body = template
    .replace('<!-- style -->', () => `<style>${css}</style>`)
    .replace('<!-- script -->', () => `<script type="module">${script}</script>`)
  const policy = [
    "default-src 'none'",
    `script-src '${sha256(script)}'`,
    `style-src '${sha256(css)}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    // The forms are sent by the script only: a form can never be submitted as a navigation (a
    // GET would put the password in the URL).
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ')
  return {
    body,
    headers: Object.freeze({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    }),
  }
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`
}
