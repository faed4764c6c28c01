// A Redis server of the tests' own, on a port of its own, that the outage test stops and starts
// (the shared Redis on 6379 is never touched).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'

const run = promisify(execFile)

export interface OwnRedis {
  readonly url: string
  /** Starts the server (again), resolving once it answers. */
  start(): Promise<void>
  /** Stops the server at once, keeping nothing. */
  stop(): Promise<void>
  /** Stops it and removes its folder. */
  dispose(): Promise<void>
  /** Makes the server answer nothing for `seconds`; resolves when it answers again. */
  hang(seconds: number): Promise<void>
}

export function ownRedis(port: number): OwnRedis {
  const dir = mkdtempSync(join(tmpdir(), 'simplejwt-redis-'))
  const url = `redis://127.0.0.1:${port}`
  const client = () =>
    new Redis(url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null })

  async function ping(): Promise<boolean> {
    const redis = client()
    redis.on('error', () => {})
    try {
      await redis.connect()
      return (await redis.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      redis.disconnect()
    }
  }

  async function stop(): Promise<void> {
    const redis = client()
    redis.on('error', () => {})
    try {
      await redis.connect()
      await redis.call('SHUTDOWN', 'NOSAVE')
    } catch {
      // The connection closes as the server stops, or there was no server.
    } finally {
      redis.disconnect()
    }
    for (let i = 0; i < 50 && (await ping()); i++) await sleep(100)
  }

  return {
    url,
    async start() {
      await run('redis-server', [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'yes',
        // DEBUG SLEEP stands for a server that hangs.
        '--enable-debug-command',
        'local',
        '--dir',
        dir,
        '--pidfile',
        join(dir, 'redis.pid'),
        '--logfile',
        join(dir, 'redis.log'),
      ])
      for (let i = 0; i < 50; i++) {
        if (await ping()) return
        await sleep(100)
      }
      throw new Error(`redis-server on port ${port} did not answer within 5 s`)
    },
    stop,
    async hang(seconds) {
      const redis = client()
      redis.on('error', () => {})
      try {
        await redis.connect()
        await redis.call('DEBUG', 'SLEEP', String(seconds))
      } finally {
        redis.disconnect()
      }
    },
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
