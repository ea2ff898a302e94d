import type { Executor } from '../db/client'
import type { Statements } from '../db/statements'

export type WebhookEvent = 'user.registered' | 'user.activated' | 'user.deleted' | 'user.password_changed'
export type DeliveryStatus = 'queued' | 'sending' | 'delivered' | 'failed' | 'cancelled'

export interface ClaimedDelivery {
  id: string
  server_id: string
  event: WebhookEvent
  body: string
  attempts: number
  created_at: Date
  /** Null when the webhook was turned off after the event was queued. */
  webhook_url: string | null
  webhook_secret: Buffer | null
}

export interface DeliveryRow {
  id: string
  event: WebhookEvent
  status: DeliveryStatus
  attempts: number
  created_at: Date
  delivered_at: Date | null
  last_status: number | null
}

export function createWebhooksRepository(statements: Statements) {
  const s = (name: string) => statements.get(`webhooks/${name}`)
  const insert = s('insert_webhook_deliveries')
  const claim = s('claim_due_webhook_deliveries')
  const delivered = s('mark_webhook_delivered')
  const schedule = s('schedule_webhook_retry')
  const disable = s('disable_server_webhook')
  const ofServer = s('select_webhook_deliveries_of_server')
  const queueState = s('select_webhook_queue_state')

  return {
    insert: (db: Executor, events: { serverId: string; event: WebhookEvent; body: string }[], now: Date) =>
      insert.many<{ id: string }>(db, [
        events.map((e) => e.serverId),
        events.map((e) => e.event),
        events.map((e) => e.body),
        now,
      ]),
    claim: (db: Executor, now: Date, leaseUntil: Date, workerId: string, limit: number) =>
      claim.many<ClaimedDelivery>(db, [now, leaseUntil, workerId, limit]),
    markDelivered: (db: Executor, id: string, workerId: string, now: Date, status: number) =>
      delivered.maybeOne(db, [id, workerId, now, status]),
    schedule: (
      db: Executor,
      id: string,
      workerId: string,
      next: { status: 'queued' | 'failed' | 'cancelled'; at: Date; httpStatus: number | null; uncounted: boolean },
    ) => schedule.maybeOne(db, [id, workerId, next.status, next.at, next.httpStatus, next.uncounted]),
    disable: (db: Executor, serverId: string, url: string) => disable.maybeOne<{ name: string }>(db, [serverId, url]),
    ofServer: (db: Executor, serverId: string, limit: number) => ofServer.many<DeliveryRow>(db, [serverId, limit]),
    queueState: (db: Executor, now: Date) => queueState.one<{ pending: number; oldest_due_at: Date | null }>(db, [now]),
  }
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>
