import { AsyncLocalStorage } from 'node:async_hooks'
import type { Logger } from '../log'
import { isDatabaseUnavailable } from './pg-errors'

/** PostgreSQL did not finish a statement or transaction within DATABASE_TIMEOUT_MS. */
export class DatabaseTimeout extends Error {
  readonly code = 'DATABASE_TIMEOUT'

  constructor(timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms`)
  }
}

/** What is left of one request's DATABASE_TIMEOUT_MS, shared by all its statements and transactions. */
const budgets = new AsyncLocalStorage<{ remainingMs: number }>()

/**
 * Runs one request with a budget of database waiting: its statements and transactions
 * together wait at most `timeoutMs`, so a database that stalls between two of them still
 * costs the request that bound, not a bound per statement. Hashing and mailing do not count.
 */
export function withDatabaseBudget<A extends unknown[], T>(timeoutMs: number, work: (...args: A) => T, ...args: A): T {
  return budgets.run({ remainingMs: timeoutMs }, work, ...args)
}

/**
 * Runs work that outlives its request (a send that goes on after the answer) outside
 * the request's budget: its statements get DATABASE_TIMEOUT_MS each, not what the
 * request left over, so recording an email Mailjet accepted is not cut short.
 */
export function outsideRequestBudget<T>(work: () => T): T {
  return budgets.exit(work)
}

/**
 * `work`'s outcome, or the error `expired()` makes after `ms`; a `work` that settles
 * later is ignored, its rejection too (never unhandled). One promise and one timer:
 * racing `work` against a second promise costs a statement about a tenth more CPU.
 */
function beforeDeadline<T>(work: Promise<T>, ms: number, expired: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(expired()), ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** What a pool tells of itself, besides its log lines. */
export interface DatabaseEvents {
  lost(): void
  back(): void
  connectionClosed(): void
}

/**
 * What every statement and transaction of one pool goes through: a deadline, so a
 * database that does not answer costs a request DATABASE_TIMEOUT_MS and no more, and
 * the pool's availability, logged once when it is lost and once when it is back
 * (never one line per request).
 */
export class DatabaseGuard {
  private downSince: number | undefined
  private upSince = 0

  /** Without a timeout (commands, seeding), work is only watched, never cut short. */
  constructor(
    readonly timeoutMs: number | undefined,
    private readonly log?: Logger,
    private readonly events?: Pick<DatabaseEvents, 'lost' | 'back'>,
  ) {}

  /** `work`'s outcome, or a DatabaseTimeout after `timeoutMs` (then `abandon` runs, to stop the work). */
  async within<T>(work: Promise<T>, abandon: () => void): Promise<T> {
    const { timeoutMs } = this
    const budget = budgets.getStore()
    const started = performance.now()
    try {
      const result = await (timeoutMs === undefined
        ? work
        : beforeDeadline(work, Math.max(0, Math.min(timeoutMs, budget?.remainingMs ?? timeoutMs)), () => {
            abandon()
            return new DatabaseTimeout(timeoutMs)
          }))
      this.answered(started)
      return result
    } catch (error) {
      // A request that spent its budget earlier says nothing about the database now.
      const spent = error instanceof DatabaseTimeout && performance.now() - started < (timeoutMs ?? 0)
      if (isDatabaseUnavailable(error) && !spent) this.failed(error, started)
      else if (!spent) this.answered(started)
      throw error
    } finally {
      if (budget) budget.remainingMs -= performance.now() - started
    }
  }

  // Only work started after the last change of state can change it again: a statement that
  // was already under way when the database went (or came back) settles late, out of order.
  private failed(error: unknown, started: number): void {
    if (this.downSince !== undefined || started < this.upSince) return
    this.downSince = performance.now()
    const code = (error as { code?: unknown }).code
    this.log?.warn('database unavailable: answering 503 until it is back', { error: String(code ?? error) })
    this.events?.lost()
  }

  private answered(started: number): void {
    if (this.downSince === undefined || started < this.downSince) return
    const now = performance.now()
    this.log?.info('database available again', { down_ms: Math.round(now - this.downSince) })
    this.downSince = undefined
    this.upSince = now
    this.events?.back()
  }
}
