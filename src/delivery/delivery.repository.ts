import type { Executor } from '../db/client'
import type { Statements } from '../db/statements'

export type EmailKind = 'activation' | 'password_reset'
export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled'

/** A claimed email with what sending it needs; `secret_index` points into the fresh secrets of the claim. */
export interface ClaimedEmail {
  id: string
  kind: EmailKind
  attempts: number
  queued_at: Date
  activation_id: string | null
  password_reset_id: string | null
  secret_index: number
  email: string
  first_name: string | null
  last_name: string | null
  server_name: string
}

export interface ClaimParams {
  now: Date
  leaseUntil: Date
  workerId: string
  limit: number
  codeHmacs: Buffer[]
  tokenHashes: Buffer[]
  resetCodeHmacs: Buffer[]
  onlyId: string | null
  probe: boolean
  dailyLimit: number | null
  monthlyLimit: number | null
  maxPerUser: number
  maxPerAddress: number
  holdBackSeconds: number
}

export interface EmailRow {
  id: string
  kind: EmailKind
  status: EmailStatus
  attempts: number
  created_at: Date
  sent_at: Date | null
  next_attempt_at: Date
  last_error_status: number | null
  last_error_code: string | null
}

export interface QueueState {
  queued: number
  sending: number
  failed: number
  oldest_due_at: Date | null
  sent_today: number
  sent_this_month: number
  paused: boolean
}

export interface RecipientUse {
  to_user: number
  user_frees_at: Date | null
  to_address: number
  address_frees_at: Date | null
  last_queued_at: Date | null
}

/** The advisory lock every claim holds (lock_delivery.sql), by its key. */
const DELIVERY_LOCK = 'registration-api.delivery'

export const dayStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))

export function createDeliveryRepository(statements: Statements) {
  const s = (name: string) => statements.get(`emails/${name}`)
  const insert = s('insert_email')
  const lock = s('lock_delivery')
  const settle = s('settle_unsendable_emails')
  const claim = s('claim_due_emails')
  const markSent = s('mark_email_sent')
  const schedule = s('schedule_email_retry')
  const cancelQueued = s('cancel_queued_emails_of_user')
  const notify = s('notify_emails_queued')
  const recipientUse = s('select_recipient_mail_use')
  const pause = s('pause_mail')
  const probe = s('claim_mail_probe')
  const resume = s('resume_mail')
  const pauseState = s('select_mail_pause')
  const ofUser = s('select_emails_of_user')
  const queueState = s('select_queue_state')
  const byStatus = s('count_emails_by_status')
  const requeue = s('requeue_failed_emails')

  return {
    /** With `lock`, the delivery lock is taken too, for the claim that follows in `db`'s transaction. */
    insert: (
      db: Executor,
      e: {
        id: string
        kind: EmailKind
        serverId: string
        userId: string
        subjectId: string
        recipient: string
        now: Date
      },
      lock: boolean,
    ) =>
      insert.one(db, [
        e.kind,
        e.serverId,
        e.userId,
        e.kind === 'activation' ? e.subjectId : null,
        e.recipient,
        e.now,
        e.kind === 'password_reset' ? e.subjectId : null,
        lock ? DELIVERY_LOCK : null,
        e.id,
      ]),
    lock: (db: Executor) => lock.one(db, [DELIVERY_LOCK]),
    settle: (db: Executor, now: Date, giveUpSeconds: number, limit: number) =>
      settle.many<{ id: string; status: EmailStatus; last_error_status: number | null }>(db, [
        now,
        giveUpSeconds,
        limit,
      ]),
    claim: (db: Executor, p: ClaimParams) =>
      claim.many<ClaimedEmail>(db, [
        p.now,
        p.leaseUntil,
        p.workerId,
        p.limit,
        p.codeHmacs.map((hmac) => hmac.toString('hex')),
        p.tokenHashes.map((hash) => hash.toString('hex')),
        p.onlyId,
        p.probe,
        p.dailyLimit,
        p.monthlyLimit,
        dayStart(p.now),
        monthStart(p.now),
        p.maxPerUser,
        p.maxPerAddress,
        p.holdBackSeconds,
        p.resetCodeHmacs.map((hmac) => hmac.toString('hex')),
      ]),
    markSent: (
      db: Executor,
      id: string,
      workerId: string,
      at: Date,
      messageId: string | null,
      ttl: { activationSeconds: number; resetSeconds: number },
    ) =>
      markSent.maybeOne<{ expires_at: Date | null }>(db, [
        id,
        workerId,
        at,
        messageId,
        ttl.activationSeconds,
        ttl.resetSeconds,
      ]),
    schedule: (
      db: Executor,
      id: string,
      workerId: string,
      next: {
        status: 'queued' | 'failed'
        at: Date
        httpStatus: number | null
        code: string | null
        uncounted: boolean
      },
    ) => schedule.maybeOne(db, [id, workerId, next.status, next.at, next.httpStatus, next.code, next.uncounted]),
    cancelQueuedOfUser: (db: Executor, userId: string) => cancelQueued.many(db, [userId]),
    notify: (db: Executor) => notify.one(db),
    recipientUse: (db: Executor, serverId: string, recipient: string, now: Date) =>
      recipientUse.one<RecipientUse>(db, [serverId, recipient, now]),
    pause: (db: Executor, now: Date, status: number, code: string | null, firstProbe: Date) =>
      pause.maybeOne(db, [now, status, code, firstProbe]),
    claimProbe: (db: Executor, now: Date, baseSeconds: number, maxSeconds: number) =>
      probe.maybeOne<{ probes: number }>(db, [now, baseSeconds, maxSeconds]),
    resume: (db: Executor) => resume.maybeOne<{ paused_at: Date }>(db),
    pauseState: (db: Executor) =>
      pauseState.maybeOne<{
        paused_at: Date
        status: number | null
        error_code: string | null
        probes: number
        next_probe_at: Date
      }>(db),
    ofUser: (db: Executor, serverId: string, email: string) =>
      ofUser.many<EmailRow | { [K in keyof EmailRow]: null }>(db, [serverId, email]),
    queueState: (db: Executor, now: Date) => queueState.one<QueueState>(db, [now, dayStart(now), monthStart(now)]),
    countByStatus: (db: Executor) => byStatus.many<{ status: EmailStatus; count: number }>(db),
    requeueFailed: (db: Executor, now: Date, id: string | null) => requeue.many<{ id: string }>(db, [now, id]),
  }
}

export type DeliveryRepository = ReturnType<typeof createDeliveryRepository>
