// Services of the tests' own, started and ended by them: a Redis server they stop and start, and a
// TCP proxy in front of the machine's PostgreSQL that they cut and restore. The shared services
// on 6379 and 5432 are never stopped.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { requireService } from '@simplejwt/store-tests'
import { sleep } from './http'

/** A port free at the time of asking. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Whether the `redis-server` binary is there (see `requireService`). */
export function requireRedisServer(): Promise<boolean> {
  return requireService('redis-server (the Redis binary)', () =>
    promisify(execFile)('redis-server', ['--version']),
  )
}

export interface OwnRedis {
  readonly url: string
  /** Starts the server (again, on the same port and data), resolving once it answers. */
  start(): Promise<void>
  /** Kills the server at once (SIGKILL): an outage. */
  stop(): Promise<void>
  /** Makes the server answer no client for `ms` (CLIENT PAUSE): a hung Redis. */
  pause(ms: number): Promise<void>
  /** Stops it and removes its folder. */
  dispose(): Promise<void>
}

/**
 * A Redis server of the test's own on a free port, in the foreground, as a child process.
 * Every write is in its append-only file before it answers, so what it answered survives a
 * kill and a start.
 */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'scale-redis-'))
  let child: ChildProcess | undefined
  const cli = (...args: string[]) =>
    promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])

  const stop = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  process.once('exit', () => child?.kill('SIGKILL'))

  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      )
      for (let i = 0; i < 100; i++) {
        const pong = await cli('ping').catch(() => ({ stdout: '' }))
        if (pong.stdout.trim() === 'PONG') return
        await sleep(50)
      }
      throw new Error(`redis-server did not answer on port ${port}`)
    },
    stop,
    async pause(ms) {
      await cli('client', 'pause', String(ms), 'ALL')
    },
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface TcpProxy {
  /** The port clients connect to. */
  readonly port: number
  /** Refuses new connections and cuts the open ones: the database is away. */
  cut(): Promise<void>
  /** Accepts connections again. */
  restore(): Promise<void>
  close(): Promise<void>
}

/** A TCP proxy on a free port to `targetPort` on 127.0.0.1, that can be cut and restored. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const listen = async () => {
    const listening = createServer((client) => {
      const upstream = tcpConnect(targetPort, '127.0.0.1')
      // Either side ending (or failing) ends the other.
      for (const [socket, other] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        sockets.add(socket)
        socket.once('close', () => {
          sockets.delete(socket)
          other.destroy()
        })
        socket.on('error', () => socket.destroy())
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve))
    server = listening
  }
  const cut = async () => {
    const closing = server
    server = undefined
    const closed =
      closing === undefined ? undefined : new Promise((resolve) => closing.close(resolve))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  await listen()
  return { port, cut, restore: listen, close: cut }
}
