import type { Executor } from '../../db/client'
import type { Statements } from '../../db/statements'

export interface NewActivation {
  userId: string
  codeHmac: Buffer
  tokenHash: Buffer
  now: Date
  expiresAt: Date
}

export interface CodeAttempt {
  userId: string
  /** The tried code's HMAC under SECRET_KEY, and under SECRET_KEY_PREVIOUS when set. */
  codeHmac: Buffer
  previousCodeHmac: Buffer | null
  now: Date
  maxAttempts: number
}

export interface ActivationByToken {
  id: string
  user_id: string
  server_id: string
  server_name: string
  email: string
  password_hash: string
  is_activated: boolean
}

export function createActivationsRepository(statements: Statements) {
  const insert = statements.get('activations/insert_activation')
  const supersede = statements.get('activations/supersede_live_activation')
  const byTokenHash = statements.get('activations/select_activation_by_token_hash')
  const consumeByCode = statements.get('activations/consume_activation_by_code')
  const consumeByToken = statements.get('activations/consume_activation_by_token')
  const lockForResend = statements.get('activations/lock_user_for_resend')

  return {
    insert: (db: Executor, a: NewActivation) =>
      insert.one<{ id: string; expires_at: Date }>(db, [a.userId, a.codeHmac, a.tokenHash, a.now, a.expiresAt]),
    supersedeLive: (db: Executor, userId: string, now: Date) => supersede.maybeOne(db, [userId, now]),
    findByTokenHash: (db: Executor, tokenHash: Buffer) => byTokenHash.maybeOne<ActivationByToken>(db, [tokenHash]),
    consumeByCode: (db: Executor, a: CodeAttempt) =>
      consumeByCode.maybeOne<{ matched: boolean; wrong_attempts: number }>(db, [
        a.userId,
        a.codeHmac,
        a.previousCodeHmac,
        a.now,
        a.maxAttempts,
      ]),
    consumeByToken: (db: Executor, id: string, now: Date, maxAttempts: number) =>
      consumeByToken.maybeOne<{ user_id: string }>(db, [id, now, maxAttempts]),
    lockForResend: (db: Executor, userId: string) => lockForResend.maybeOne<{ is_activated: boolean }>(db, [userId]),
  }
}
