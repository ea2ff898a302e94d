import { hostname } from 'node:os'
import type { Executor } from '../db/client'
import { createInFlight } from '../delivery/delivery.in-flight'
import { createWorker } from '../delivery/delivery.worker'
import type { Deps } from '../deps'
import { secondsSince } from '../metrics/metrics'
import type { PublicUser } from '../modules/users/users.model'
import { createWebhooksRepository, type WebhookEvent } from './webhooks.repository'
import { createWebhookSender, type WebhookOutcome } from './webhooks.sender'

export const WEBHOOKS_CHANNEL = 'registration_api_webhooks'
/** Deliveries claimed, and posted at once, per round. */
const BATCH = 25
/** GET /webhooks/deliveries shows this many, newest first. */
export const RECENT_DELIVERIES = 100

/**
 * Webhooks: events are queued in the transaction of the change they announce
 * (for servers with a webhook) and posted by a worker on the outbox's machinery.
 */
export function createWebhooks(deps: Omit<Deps, 'delivery' | 'webhooks'>) {
  const workerId = `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`
  const repo = createWebhooksRepository(deps.statements)
  const sender = createWebhookSender(deps, repo, workerId)
  const inFlight = createInFlight<WebhookOutcome>(deps.log, 'webhook delivery', 'retry')
  const worker = createWorker(deps, {
    name: 'webhook',
    channel: WEBHOOKS_CHANNEL,
    batch: BATCH,
    async round() {
      const now = deps.clock()
      const leaseUntil = new Date(now.getTime() + deps.config.delivery.leaseSeconds * 1000)
      const claimed = await repo.claim(deps.sql, now, leaseUntil, workerId, BATCH)
      await Promise.all(claimed.map((d) => inFlight.run(d.id, (signal) => sender.attempt(d, signal))))
      return claimed.length
    },
  })

  deps.metrics.readWebhookQueueWith(async () => {
    const now = deps.clock()
    const { pending, oldest_due_at } = await repo.queueState(deps.sql, now)
    return { pending, oldestDueAgeSeconds: secondsSince(oldest_due_at, now) }
  })

  /** In the caller's transaction: the events, in order, each queued when its server has a webhook. */
  async function emitAll(tx: Executor, events: { serverId: string; type: WebhookEvent; user: PublicUser }[]) {
    if (events.length === 0) return
    const now = deps.clock()
    const timestamp = now.toISOString()
    await repo.insert(
      tx,
      events.map(({ serverId, type, user }) => ({
        serverId,
        event: type,
        body: JSON.stringify({ type, timestamp, data: { user } }),
      })),
      now,
    )
  }

  return {
    repo,
    /** In the caller's transaction: the event, queued when the server has a webhook. */
    emit: (tx: Executor, serverId: string, type: WebhookEvent, user: PublicUser) =>
      emitAll(tx, [{ serverId, type, user }]),
    emitAll,
    recent: (serverId: string) => repo.ofServer(deps.sql, serverId, RECENT_DELIVERIES),
    startWorker: () => worker.start(),
    async stop(graceMs: number): Promise<void> {
      await worker.stop()
      await inFlight.drain(graceMs)
    },
  }
}

export type Webhooks = ReturnType<typeof createWebhooks>
