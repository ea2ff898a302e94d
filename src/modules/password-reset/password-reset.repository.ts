import type { Executor } from '../../db/client'
import type { Statements } from '../../db/statements'
import type { PublicUserRow } from '../users/users.repository'

export interface NewPasswordReset {
  /** Made by the caller, so the email that announces it can be written in the same round trip. */
  id: string
  serverId: string
  email: string
  /** Null when no user has this email: the row only makes the answers look the same. */
  userId: string | null
  codeHmac: Buffer
  now: Date
  expiresAt: Date
}

export interface ResetAttempt {
  serverId: string
  email: string
  /** The tried code's HMAC under SECRET_KEY, and under SECRET_KEY_PREVIOUS when set. */
  codeHmac: Buffer
  previousCodeHmac: Buffer | null
  now: Date
  maxAttempts: number
}

export interface ResetOutcome {
  outcome: 'matched' | 'wrong' | 'gone' | 'none'
  wrong_attempts: number | null
  user_id: string | null
}

export function createPasswordResetsRepository(statements: Statements) {
  const s = (name: string) => statements.get(`password_resets/${name}`)
  const lockKey = s('lock_password_reset_key')
  const supersede = s('supersede_live_password_reset')
  const insert = s('insert_password_reset')
  const consume = s('consume_password_reset_by_code')
  const resetPassword = s('reset_user_password')

  return {
    lockKey: (db: Executor, serverId: string, email: string) => lockKey.one(db, [serverId, email]),
    supersedeLive: (db: Executor, serverId: string, email: string, now: Date) =>
      supersede.maybeOne(db, [serverId, email, now]),
    insert: (db: Executor, r: NewPasswordReset) =>
      insert.one<{ id: string }>(db, [r.id, r.serverId, r.email, r.userId, r.codeHmac, r.now, r.expiresAt]),
    consume: (db: Executor, a: ResetAttempt) =>
      consume.one<ResetOutcome>(db, [a.serverId, a.email, a.codeHmac, a.previousCodeHmac, a.now, a.maxAttempts]),
    resetPassword: (db: Executor, userId: string, passwordHash: string, now: Date) =>
      resetPassword.maybeOne<PublicUserRow & { newly_activated: boolean }>(db, [userId, passwordHash, now]),
  }
}
