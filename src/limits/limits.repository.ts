import type { Executor } from '../db/client'
import type { Statements } from '../db/statements'

export interface RateTokenRow {
  allowed: boolean
  tat: Date
}

export interface PasswordFailureRow {
  allowed: boolean
  attempts: number
  window_started_at: Date
  locked_until: Date | null
}

export interface PasswordPolicy {
  maxFailures: number
  windowSeconds: number
  lockoutSeconds: number
  maxLockoutSeconds: number
}

export const PASSWORD_KIND = 'password'

export function createLimitsRepository(statements: Statements) {
  const takeRateToken = statements.get('limits/take_rate_token')
  const selectPasswordLock = statements.get('limits/select_password_lock')
  const recordPasswordFailure = statements.get('limits/record_password_failure')
  const deleteBucket = statements.get('limits/delete_bucket')

  return {
    takeRateToken: (
      db: Executor,
      kind: string,
      subject: Buffer,
      now: Date,
      intervalSeconds: number,
      burstSeconds: number,
    ) => takeRateToken.one<RateTokenRow>(db, [kind, subject, now, intervalSeconds, burstSeconds]),
    /** The subject's live count, if any failure counts, with the end of its lock when locked. */
    passwordBucket: (db: Executor, subject: Buffer, now: Date) =>
      selectPasswordLock.maybeOne<{ locked_until: Date | null }>(db, [PASSWORD_KIND, subject, now]),
    recordPasswordFailure: (db: Executor, subject: Buffer, now: Date, p: PasswordPolicy) =>
      recordPasswordFailure.one<PasswordFailureRow>(db, [
        subject,
        now,
        p.maxFailures,
        p.windowSeconds,
        p.lockoutSeconds,
        p.maxLockoutSeconds,
        PASSWORD_KIND,
      ]),
    forget: (db: Executor, kind: string, subject: Buffer) => deleteBucket.maybeOne(db, [kind, subject]),
  }
}
