/**
 * A crash under load on SQLite: express-demo with rotation and blacklist takes concurrent
 * refreshes and blacklists, and is killed with SIGKILL in the middle of them. Restarted on the
 * same file, the database opens cleanly, and every token whose rotation or blacklist was answered
 * 200 before the kill is refused: an answer of 200 means the blacklist is on disk.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DemoProcess, startDemoProcess } from '@simplejwt/demo-support/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { appDir, BLACKLISTED, Client, ROTATION, SECRET_KEY, sleep, tally } from './http'

/** Refresh tokens to start from: each worker rotates one until it blacklists it, then takes another. */
const LOGINS = 40
const WORKERS = 20
/** Requests of the load, if it ran to its end; the kill comes about half way. */
const REQUESTS = 300
const KILL_AFTER_ANSWERS = 150
/** Each worker waits up to this long between its requests, spreading the load over seconds. */
const PAUSE_MS = 300

interface Load {
  /** Tokens whose blacklist, or rotation (which blacklists the token given), was answered 200. */
  readonly refused: string[]
  /** Tokens a rotation answered 200 issued, and that were not used afterwards. */
  readonly current: string[]
  readonly answered: { rotations: number; blacklists: number; other: number }
  /** Requests that got no answer: in flight when the process was killed, or sent after. */
  failed: number
}

/**
 * Runs the load on `c`, each of WORKERS taking refresh tokens from `tokens`: rotate it a few
 * times, then blacklist it. Calls `onAnswer` with the running count of answers.
 */
async function load(
  c: Client,
  tokens: string[],
  onAnswer: (answers: number) => void,
): Promise<Load> {
  const result: Load = {
    refused: [],
    current: [],
    answered: { rotations: 0, blacklists: 0, other: 0 },
    failed: 0,
  }
  let sent = 0
  let answers = 0
  const worker = async () => {
    let token = tokens.pop()
    let rotationsLeft = 2 + Math.floor(Math.random() * 8)
    while (token !== undefined && sent < REQUESTS) {
      sent++
      await sleep(Math.random() * PAUSE_MS)
      const blacklisting = rotationsLeft === 0
      let reply: Awaited<ReturnType<Client['post']>>
      try {
        reply = blacklisting ? await c.blacklist(token) : await c.refresh(token)
      } catch {
        // No answer: the process is gone. The token's fate is unknown, so it is not checked.
        result.failed++
        return
      }
      onAnswer(++answers)
      if (reply.status !== 200) {
        result.answered.other++
        return
      }
      result.refused.push(token)
      if (blacklisting) {
        result.answered.blacklists++
        token = tokens.pop()
        rotationsLeft = 2 + Math.floor(Math.random() * 8)
      } else {
        result.answered.rotations++
        token = String(reply.body['refresh'])
        rotationsLeft--
      }
    }
    if (token !== undefined) result.current.push(token)
  }
  await Promise.all(Array.from({ length: WORKERS }, worker))
  return result
}

describe('express-demo on SQLite, killed with SIGKILL under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scale-crash-'))
  const path = join(dir, 'demo.sqlite3')
  const env = {
    DATABASE_URL: `sqlite:${path}`,
    SECRET_KEY,
    SIMPLE_JWT_JSON: JSON.stringify(ROTATION),
  }
  let app: DemoProcess | undefined
  afterAll(async () => {
    await app?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps every blacklist it answered 200, and the database opens cleanly', async () => {
    app = await startDemoProcess(appDir('express'), env)
    let c = new Client(app.url)
    const tokens: string[] = []
    for (let i = 0; i < LOGINS; i += 10) {
      const pairs = await Promise.all(Array.from({ length: 10 }, () => c.login()))
      tokens.push(...pairs.map((pair) => pair.refresh))
    }

    const crashed = app
    let killing: Promise<void> | undefined
    const started = Date.now()
    const result = await load(c, tokens, (answers) => {
      if (answers === KILL_AFTER_ANSWERS) killing = crashed.kill('SIGKILL')
    })
    await killing
    const { rotations, blacklists, other } = result.answered
    console.log(
      `crash: killed after ${Date.now() - started} ms; answered 200: ${rotations} rotations, ` +
        `${blacklists} blacklists (${other} other answers); ${result.failed} requests unanswered`,
    )
    expect(killing).toBeDefined()
    expect(other).toBe(0)
    expect(blacklists).toBeGreaterThan(0)
    expect(result.failed).toBeGreaterThan(0)

    // The file as the killed process left it: WAL and all.
    const db = new Database(path)
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    } finally {
      db.close()
    }

    app = await startDemoProcess(appDir('express'), env)
    expect(app.output()).not.toMatch(/seeded|error/i)
    c = new Client(app.url)
    const replies = await Promise.all(result.refused.map((token) => c.refresh(token)))
    const counts = tally(replies)
    console.log(
      `crash: after the restart, ${result.refused.length} tokens answered 200 before the kill: ` +
        Object.entries(counts)
          .map(([answer, n]) => `${n} × ${answer}`)
          .join(', '),
    )
    expect(counts).toEqual({ [`401 ${JSON.stringify(BLACKLISTED)}`]: result.refused.length })
    // The database works on: logins, and the last tokens the rotations issued.
    expect((await c.refresh((await c.login()).refresh)).status).toBe(200)
    const current = await Promise.all(result.current.slice(0, 5).map((token) => c.refresh(token)))
    expect(current.map((reply) => reply.status)).toEqual(current.map(() => 200))
  })
})
