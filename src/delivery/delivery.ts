import { hostname } from 'node:os'
import type { Executor } from '../db/client'
import { outsideRequestBudget } from '../db/guard'
import { queriesInFlight } from '../db/statements'
import type { Deps } from '../deps'
import { secondsSince } from '../metrics/metrics'
import type { EmailSecret } from '../secrets'
import { PROBE_BASE_SECONDS, PROBE_MAX_SECONDS } from './delivery.backoff'
import { type Claim, createClaims } from './delivery.claims'
import { createInFlight } from './delivery.in-flight'
import { createDeliveryRepository } from './delivery.repository'
import { type AttemptResult, createSender } from './delivery.sender'
import { createWorker } from './delivery.worker'

export const EMAILS_CHANNEL = 'registration_api_emails'
/** Emails claimed, and sent at once, per round. */
const BATCH = 25

export interface NewEmail {
  serverId: string
  userId: string
  /** The activation or password reset the email announces, by its secret's kind. */
  subjectId: string
  recipient: string
  now: Date
  secret: EmailSecret
  /** False: the worker sends it, the request makes no attempt of its own (its time must not depend on Mailjet). */
  inline?: boolean
}

/** What a request committed: its own claim when the email may go at once, else nothing (it waits in the queue). */
export interface Enqueued {
  claim: Claim | undefined
}

/**
 * The outbox: requests enqueue inside their transaction and try the first send
 * themselves after the commit; the worker does the rest.
 */
export function createDelivery(deps: Omit<Deps, 'delivery' | 'webhooks'>) {
  const workerId = `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`
  const repo = createDeliveryRepository(deps.statements)
  const claims = createClaims(deps, repo, workerId)
  const sender = createSender(deps, repo, workerId)
  const inFlight = createInFlight<AttemptResult>(deps.log, 'email', { status: 'pending' })
  const worker = createWorker(deps, {
    name: 'delivery',
    channel: EMAILS_CHANNEL,
    batch: BATCH,
    // While Mailjet refuses the account, one instance sends one probe now and then.
    async round() {
      const probe = await repo.claimProbe(deps.sql, deps.clock(), PROBE_BASE_SECONDS, PROBE_MAX_SECONDS)
      const claimed = await claims.due(deps.sql, probe ? 1 : BATCH, probe !== undefined)
      await Promise.all(
        claimed.map((claim) => inFlight.run(claim.email.id, (signal) => sender.attempt(claim, signal, !!probe))),
      )
      return claimed.length
    },
  })
  const { dailyLimit, monthlyLimit } = deps.config.delivery

  /** The state /health and /metrics show. */
  async function state() {
    const now = deps.clock()
    const queue = await repo.queueState(deps.sql, now)
    const inUse = (sent: number) => sent + queue.sending
    const quotaReached =
      (dailyLimit !== undefined && inUse(queue.sent_today) >= dailyLimit) ||
      (monthlyLimit !== undefined && inUse(queue.sent_this_month) >= monthlyLimit)
    return { now, queue, quotaReached }
  }

  deps.metrics.readQueueWith(async () => {
    const { now, queue, quotaReached } = await state()
    return {
      queued: queue.queued,
      sending: queue.sending,
      failed: queue.failed,
      oldestDueAgeSeconds: secondsSince(queue.oldest_due_at, now),
      paused: queue.paused,
      quotaReached,
      poolMax: deps.sql.options.max,
      poolBusy: queriesInFlight.count,
    }
  })

  return {
    repo,
    /** In the caller's transaction: the email row, claimed for the request when quota, caps and pause allow. */
    async enqueue(tx: Executor, email: NewEmail): Promise<Enqueued> {
      const row = { ...email, id: crypto.randomUUID(), kind: email.secret.kind }
      // Nothing to claim: the row and the workers' wake-up go in one round trip.
      if (email.inline === false)
        return Promise.all([repo.insert(tx, row, false), repo.notify(tx)]).then(() => ({ claim: undefined }))
      // The row with the lock, and its claim, in one round trip: PostgreSQL runs them in
      // order, so the claim starts (and counts) only once the insert holds the lock.
      const [, claim] = await Promise.all([repo.insert(tx, row, true), claims.own(tx, row.id, email.secret)])
      if (!claim) await repo.notify(tx)
      return { claim }
    },

    /**
     * After the commit: the request's own attempt, waited for at most
     * MAIL_INLINE_WAIT_MS; past that it goes on in the background under its lease.
     */
    async sendCommitted(enqueued: Enqueued): Promise<AttemptResult> {
      const { claim } = enqueued
      if (!claim) return { status: 'pending' }
      const attempt = outsideRequestBudget(() =>
        inFlight.run(claim.email.id, (signal) => sender.attempt(claim, signal)),
      )
      const waited = new Promise<AttemptResult>((resolve) => {
        const timer = setTimeout(resolve, deps.config.delivery.inlineWaitMs, { status: 'pending' })
        void attempt.finally(() => clearTimeout(timer))
      })
      return Promise.race([attempt, waited])
    },

    /** "paused" while Mailjet refuses the account, "quota" while a limit is reached, else "ok". */
    async mailState(): Promise<'ok' | 'paused' | 'quota'> {
      const { queue, quotaReached } = await state()
      return queue.paused ? 'paused' : quotaReached ? 'quota' : 'ok'
    },

    startWorker: () => worker.start(),

    /** Shutdown: stop claiming, let sends finish within the grace, give back the rest. */
    async stop(graceMs: number): Promise<void> {
      await worker.stop()
      await inFlight.drain(graceMs)
    },
  }
}

export type Delivery = ReturnType<typeof createDelivery>
