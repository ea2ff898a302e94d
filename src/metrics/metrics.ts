import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { SendResult } from '../mail/mailer'

/** Mailjet's answer as a label: its status class, or "none" when there was no answer. */
const statusClass = (status: number | null | undefined) => (status ? `${Math.floor(status / 100)}xx` : 'none')

/** How long ago `since` was, in seconds, for an "oldest due" gauge: 0 when nothing is due. */
export const secondsSince = (since: Date | null, now: Date) =>
  since ? Math.max(0, (now.getTime() - since.getTime()) / 1000) : 0

export interface WebhookQueueGauges {
  pending: number
  oldestDueAgeSeconds: number
}

export interface QueueGauges {
  queued: number
  sending: number
  failed: number
  oldestDueAgeSeconds: number
  paused: boolean
  quotaReached: boolean
  poolMax: number
  poolBusy: number
}

/**
 * The service's Prometheus metrics, one registry per app (tests run several in
 * one process). Labels are route patterns and status classes, never an email or a key.
 */
export function createMetrics() {
  const registry = new Registry()
  const registers = [registry]
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const emails = new Counter({
    name: 'emails_total',
    help: 'Email outcomes: attempts by what Mailjet answered (sent, retry, failed, paused, aborted), and emails cancelled or given up',
    labelNames: ['outcome', 'mailjet_status_class'],
    registers,
  })
  const webhooks = new Counter({
    name: 'webhooks_total',
    help: 'Webhook attempts by outcome (delivered, retry, refused: a private address, disabled: 410, gave_up, aborted, failed) and the receiver status class',
    labelNames: ['outcome', 'receiver_status_class'],
    registers,
  })
  const availability = new Counter({
    name: 'db_availability_changes_total',
    help: 'Times the service lost the database (change="lost": it answers 503 meanwhile) and got it back (change="back")',
    labelNames: ['change'],
    registers,
  })
  const connectionsClosed = new Counter({
    name: 'db_connections_closed_total',
    help: 'Pooled database connections closed (by PostgreSQL, the network, or the pool); each reconnects when next needed',
    registers,
  })
  /** A reading from the database, taken once per scrape and shared by the gauges made from it. */
  function reading<T>() {
    let read: (() => Promise<T>) | undefined
    let latest: Promise<T> | undefined
    return {
      from(next: () => Promise<T>) {
        read = next
      },
      current(): Promise<T> | undefined {
        if (!read) return undefined
        latest ??= read().finally(() => setTimeout(() => (latest = undefined), 0))
        return latest
      },
    }
  }
  const queue = reading<QueueGauges>()
  const webhookQueue = reading<WebhookQueueGauges>()
  const gauge = <T>(source: ReturnType<typeof reading<T>>, name: string, help: string, pick: (q: T) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const current = source.current()
        if (current) this.set(pick(await current))
      },
    })
  gauge(queue, 'email_queue_depth', 'Emails waiting to be sent (queued or being sent)', (q) => q.queued + q.sending)
  gauge(queue, 'email_failed', 'Emails that failed for good (bun run emails retry queues them again)', (q) => q.failed)
  gauge(queue, 'email_oldest_due_age_seconds', 'How long the oldest due email has waited', (q) => q.oldestDueAgeSeconds)
  gauge(queue, 'mail_paused', '1 while Mailjet refuses the account (401/403) and sending is paused', (q) =>
    q.paused ? 1 : 0,
  )
  gauge(queue, 'mail_quota_reached', '1 while MAIL_DAILY_LIMIT or MAIL_MONTHLY_LIMIT is reached', (q) =>
    q.quotaReached ? 1 : 0,
  )
  gauge(queue, 'db_pool_max_connections', 'Connections the database pool may open', (q) => q.poolMax)
  gauge(queue, 'db_pool_busy', 'Queries running or waiting for a pooled connection', (q) => q.poolBusy)
  gauge(
    webhookQueue,
    'webhook_queue_depth',
    'Webhook deliveries waiting to be posted (queued or being posted)',
    (q) => q.pending,
  )
  gauge(
    webhookQueue,
    'webhook_oldest_due_age_seconds',
    'How long the oldest due webhook delivery has waited',
    (q) => q.oldestDueAgeSeconds,
  )

  return {
    registry,
    observeRequest(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) })
      duration.observe({ method, route }, seconds)
    },
    emailAttempt(result: SendResult) {
      const status = 'status' in result ? result.status : null
      emails.inc({ outcome: result.outcome, mailjet_status_class: statusClass(status) })
    },
    emailGivenUp() {
      emails.inc({ outcome: 'gave_up', mailjet_status_class: 'none' })
    },
    emailsSettled(rows: { status: string; last_error_status: number | null }[]) {
      for (const row of rows)
        emails.inc({
          outcome: row.status === 'cancelled' ? 'cancelled' : 'gave_up',
          mailjet_status_class: statusClass(row.last_error_status),
        })
    },
    webhookAttempt(outcome: string, status: number | null) {
      webhooks.inc({ outcome, receiver_status_class: statusClass(status) })
    },
    /** The pool's events (db/client.ts); the 503s themselves are http_requests_total{status="503"}. */
    database: {
      lost: () => availability.inc({ change: 'lost' }),
      back: () => availability.inc({ change: 'back' }),
      connectionClosed: () => connectionsClosed.inc(),
    },
    /** Where the queue gauges come from (the database), read on each scrape. */
    readQueueWith: queue.from,
    /** Likewise for the webhook queue's gauges. */
    readWebhookQueueWith: webhookQueue.from,
    text: () => registry.metrics(),
    contentType: registry.contentType,
  }
}

export type Metrics = ReturnType<typeof createMetrics>
