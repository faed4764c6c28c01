/**
 * Coordination between pages sharing one storage: a Web Lock around each refresh, so that two
 * tabs never spend one refresh token twice, and a BroadcastChannel message when the tokens change.
 * Where an API is absent, the client falls back to single flight within the page.
 */

export interface Coordinator {
  /** Runs `task` holding the lock shared by every page of the origin (at once without Web Locks). */
  exclusive<T>(task: () => Promise<T>): Promise<T>
  /** Tells the other pages the stored tokens changed. */
  announce(): void
  close(): void
}

interface UnrefChannel {
  unref?(): void
}

export function coordinator(name: string, shared: boolean, onAnnounce: () => void): Coordinator {
  if (!shared) return { exclusive: (task) => task(), announce: () => {}, close: () => {} }
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  let channel: BroadcastChannel | undefined
  if (typeof BroadcastChannel === 'function') {
    channel = new BroadcastChannel(name)
    channel.onmessage = () => onAnnounce()
    // Node keeps the process alive while a channel listens.
    ;(channel as UnrefChannel).unref?.()
  }
  return {
    exclusive: <T>(task: () => Promise<T>) =>
      typeof locks?.request === 'function'
        ? (locks.request(name, () => task()) as Promise<T>)
        : task(),
    announce: () => channel?.postMessage('tokens'),
    close: () => channel?.close(),
  }
}
