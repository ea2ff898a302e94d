import { afterAll, describe, expect, test } from 'bun:test'
import { connect as netConnect, type Socket } from 'node:net'
import postgres from 'postgres'
import { testDatabaseUrl } from './support/database'

// postgres.js 3.4.9 loses its way when a backend goes away: a reconnect that never sends its
// startup message (CONNECT_TIMEOUT after 30 s, and a PostgreSQL shutdown held up as long), the
// dead backend's error thrown at the next connection's first query, a transaction's next
// statement written to a null socket (an uncaught TypeError that ends the process), and a
// clean close during startup that reconnects at once, forever. patches/postgres@3.4.9.patch
// fixes the four; each test below fails without it.

const url = new URL(testDatabaseUrl())
const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} })
afterAll(() => admin.end({ timeout: 1 }))

const settled = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error as Error & { code?: string } }),
  )

/** A pool whose sockets the test holds, so it can cut one at an exact moment. */
function poolWithSockets(options: postgres.Options<Record<string, postgres.PostgresType>> = {}) {
  const sockets: Socket[] = []
  const sql = postgres(testDatabaseUrl(), {
    max: 1,
    connect_timeout: 2,
    onnotice: () => {},
    ...options,
    // Not in the driver's types, but documented: a function that returns a connected socket.
    ...({
      socket: () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = netConnect(Number(url.port), url.hostname)
          socket.once('connect', () => resolve(socket)).once('error', reject)
          sockets.push(socket)
        }),
    } as object),
  })
  return { sql, sockets }
}

async function untilTrue(check: () => boolean | Promise<boolean>) {
  while (!(await check())) await Bun.sleep(5)
}

describe('the patched postgres.js, when its connection dies', () => {
  test('a socket cut with a write still buffered: the reconnect sends its startup message', async () => {
    const { sql, sockets } = poolWithSockets()
    try {
      await sql`select 1`
      // The query's bytes wait for the next setImmediate when the socket's close is handled
      // (as when a close event is queued ahead of it): play that order exactly.
      const cut = settled(sql`select 1`.execute())
      await Promise.resolve()
      await Promise.resolve()
      sockets[0]?.emit('close', false)
      sockets[0]?.destroy()
      expect((await cut).ok).toBe(false)
      // Unpatched: the stale buffer and timer stop the startup message: CONNECT_TIMEOUT.
      const next = await settled(sql`select 1 as one`)
      expect(next.ok ? next.value[0] : next.error.code).toEqual({ one: 1 })
    } finally {
      await sql.end({ timeout: 1 })
    }
  })

  test('a backend terminated mid-query: its error is not replayed on the next connection', async () => {
    const sql = postgres(testDatabaseUrl(), {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
      connection: { application_name: 'reconnect-test-stale' },
    })
    try {
      const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`
      const pid = backend?.pid ?? 0
      const slow = settled(sql`select pg_sleep(30)`.execute())
      await untilTrue(
        async () => (await admin`select 1 from pg_stat_activity where pid = ${pid} and state = 'active'`).length === 1,
      )
      await admin`select pg_terminate_backend(${pid})`
      expect((await slow).ok).toBe(false)
      // Unpatched: this fails with the old backend's 57P01.
      const next = await settled(sql`select 1 as one`)
      expect(next.ok ? next.value[0] : next.error.code).toEqual({ one: 1 })
    } finally {
      await sql.end({ timeout: 1 })
    }
  })

  test('a transaction whose backend died: its next statement is rejected, never written to a null socket', async () => {
    const sql = postgres(testDatabaseUrl(), { max: 2, connect_timeout: 2, onnotice: () => {} })
    let lost = false
    try {
      const outcome = sql.begin(async (tx) => {
        const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`
        await admin`select pg_terminate_backend(${row?.pid ?? 0})`
        await untilTrue(() => lost)
        // Unpatched: an uncaught TypeError from nextWrite (the process would exit).
        return settled(tx`select 2 as two`.execute())
      })
      void outcome.catch(() => {
        lost = true
      })
      expect((await settled(outcome)).ok).toBe(false)
      await untilTrue(() => lost)
      const next = await settled(sql`select 1 as one`)
      expect(next.ok ? next.value[0] : next.error.code).toEqual({ one: 1 })
    } finally {
      await sql.end({ timeout: 1 })
    }
  })

  test('a server that closes cleanly during startup: the query is rejected, not retried forever', async () => {
    let attempts = 0
    const closer = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open(socket) {
          attempts += 1
          socket.end()
        },
        data() {},
      },
    })
    const sql = postgres(`postgres://nobody@127.0.0.1:${closer.port}/none`, {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
      backoff: () => 0.01,
    })
    try {
      // Unpatched: never settles, while the driver reconnects with no delay.
      const outcome = await Promise.race([
        settled(sql`select 1`.execute()),
        Bun.sleep(1_000).then(() => ({ ok: false as const, error: { code: 'STILL_PENDING' } })),
      ])
      expect(outcome.ok ? 'resolved' : outcome.error.code).toBe('CONNECTION_CLOSED')
      expect(attempts).toBeLessThan(10)
    } finally {
      await sql.end({ timeout: 0 })
      closer.stop(true)
    }
  })
})
