import type { Socket } from 'bun'
import { freePort, testDatabaseUrl } from './database'

/**
 * Bun's socket.write() writes what the kernel takes now and returns how much: the rest
 * is the caller's to keep and write at `drain`. Dropped, it would cut a PostgreSQL
 * message in two on a loaded machine, where the reader is late.
 */
function forwarder() {
  const backlog = new Map<Socket<unknown>, Uint8Array[]>()
  const flush = (to: Socket<unknown>) => {
    const queue = backlog.get(to)
    while (queue && queue.length > 0) {
      const chunk = queue[0] as Uint8Array
      const written = to.write(chunk)
      if (written < chunk.length) {
        queue[0] = chunk.subarray(Math.max(written, 0))
        return
      }
      queue.shift()
    }
    backlog.delete(to)
  }
  return {
    write(to: Socket<unknown>, chunk: Uint8Array) {
      const queue = backlog.get(to)
      if (queue) queue.push(new Uint8Array(chunk))
      else {
        backlog.set(to, [new Uint8Array(chunk)])
        flush(to)
      }
    },
    drain: flush,
  }
}

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut and restore, to play a
 * database going away and coming back on the same address.
 */
export async function startTcpProxy(target: { host: string; port: number }, port: number) {
  const open = new Set<Socket<unknown>>()
  const forward = forwarder()
  // Bumped by each cut: a connection still reaching the target across a cut is dropped too.
  let generation = 0

  const listen = () =>
    Bun.listen<{ upstream?: Socket<unknown>; pending: Uint8Array[] }>({
      hostname: '127.0.0.1',
      port,
      socket: {
        async open(client) {
          client.data = { pending: [] }
          open.add(client)
          const born = generation
          const upstream = await Bun.connect({
            hostname: target.host,
            port: target.port,
            socket: {
              data: (_, chunk) => forward.write(client, chunk),
              drain: (upstream) => forward.drain(upstream),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          })
          if (born !== generation) {
            upstream.terminate()
            client.terminate()
            return
          }
          open.add(upstream)
          client.data.upstream = upstream
          for (const chunk of client.data.pending.splice(0)) forward.write(upstream, chunk)
        },
        data(client, chunk) {
          if (client.data.upstream) forward.write(client.data.upstream, chunk)
          else client.data.pending.push(new Uint8Array(chunk))
        },
        drain: (client) => forward.drain(client),
        close: (client) => void client.data.upstream?.end(),
        error: (client) => void client.data.upstream?.end(),
      },
    })

  let listener: ReturnType<typeof listen> | undefined = listen()
  return {
    /** Stops listening and drops every open connection, as a database that went down. */
    cut() {
      generation += 1
      listener?.stop(true)
      listener = undefined
      for (const socket of open) socket.terminate()
      open.clear()
    },
    restore() {
      listener ??= listen()
    },
  }
}

/** The test database behind a proxy a test can cut: the proxy, and the URL that goes through it. */
export async function proxyToTestDatabase() {
  const target = new URL(testDatabaseUrl())
  const port = await freePort()
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) }, port)
  const viaProxy = new URL(testDatabaseUrl())
  viaProxy.hostname = '127.0.0.1'
  viaProxy.port = String(port)
  return { proxy, url: viaProxy.toString() }
}
