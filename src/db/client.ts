import postgres from 'postgres'
import type { Logger } from '../log'
import { type DatabaseEvents, DatabaseGuard, DatabaseTimeout } from './guard'

export type Sql = postgres.Sql
/** Anything a statement can run on: the pool or an open transaction. */
export type Executor = postgres.Sql | postgres.TransactionSql

export interface ConnectOptions {
  max?: number
  /**
   * DATABASE_TIMEOUT_MS, for the pool that serves requests: connecting, each statement
   * (also server-side) and each transaction. Without it (commands, seeding) statements
   * run as long as they need and only connecting is bounded.
   */
  timeoutMs?: number
  /** Where losing and regaining the database is logged. */
  log?: Logger
  /** Told of the same, and of each closed connection (for /metrics). */
  events?: DatabaseEvents
}

/** How long a command (no request waiting) tries to reach the database. */
const COMMAND_CONNECT_TIMEOUT_MS = 10_000

const guards = new WeakMap<Executor, DatabaseGuard>()
const unguarded = new DatabaseGuard(undefined)

/** The deadline and availability tracking of the pool this executor belongs to. */
export function guardOf(db: Executor): DatabaseGuard {
  return guards.get(db) ?? unguarded
}

/**
 * Seconds before a connection tries again after a failed attempt: a jittered doubling
 * capped at half a second, so a database that comes back is used again at once
 * (postgres.js's default grows to 20 s, shared by the pool: the "30 s waves").
 */
function reconnectDelay(retries: number): number {
  return Math.min(0.025 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2)
}

export function connect(url: string, options: ConnectOptions = {}): Sql {
  const { timeoutMs } = options
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Not postgres.js's 30 s: a database that does not answer is a 503 within the bound.
    connect_timeout: (timeoutMs ?? COMMAND_CONNECT_TIMEOUT_MS) / 1000,
    backoff: reconnectDelay,
    onclose: () => options.events?.connectionClosed(),
    connection: {
      // The service owns its time (see clock.ts); keep PostgreSQL's session in UTC too.
      TimeZone: 'UTC',
      application_name: 'registration-api',
      // PostgreSQL itself stops a statement the service has stopped waiting for.
      ...(timeoutMs === undefined ? {} : { statement_timeout: timeoutMs }),
    },
  })
  guards.set(sql, new DatabaseGuard(timeoutMs, options.log, options.events))
  return sql
}

/**
 * Runs `work` in a transaction bounded by the pool's deadline. Work that starts after
 * the deadline (it waited for a connection) or ends after it is rolled back, so a
 * caller told "unavailable" is never committed behind its back; only a COMMIT already
 * on its way when the deadline passes has an unknown outcome (hence Idempotency-Key).
 */
export async function transaction<T>(sql: Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  const guard = guardOf(sql)
  let abandoned = false
  const stillWanted = () => {
    if (abandoned) throw new DatabaseTimeout(guard.timeoutMs ?? 0)
  }
  const outcome = sql.begin(async (tx) => {
    stillWanted()
    guards.set(tx, guard)
    const result = await work(tx)
    stillWanted()
    return result
  }) as Promise<T>
  return guard.within(outcome, () => {
    abandoned = true
  })
}
