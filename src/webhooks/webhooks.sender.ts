import { Webhook } from 'standardwebhooks'
import { transaction } from '../db/client'
import { retryDelaySeconds } from '../delivery/delivery.backoff'
import type { Deps } from '../deps'
import { codeKeys } from '../secrets'
import { assertPublicHost, pinnedUrl, RefusedAddressError } from './webhooks.address'
import type { ClaimedDelivery, WebhooksRepository } from './webhooks.repository'
import { decryptWebhookSecret } from './webhooks.secret'

/** What one call to a receiver came to. */
export type WebhookOutcome = 'delivered' | 'retry' | 'failed' | 'disabled' | 'refused' | 'aborted' | 'gave_up'

type Answer =
  | { kind: 'status'; status: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'aborted' }
  | { kind: 'error'; reason: string }

/** Posts one claimed delivery, signed per Standard Webhooks, and records what the receiver answered. */
export function createWebhookSender(
  deps: Pick<Deps, 'config' | 'clock' | 'sql' | 'log' | 'metrics'>,
  repo: WebhooksRepository,
  workerId: string,
) {
  const { webhooks } = deps.config
  const keys = codeKeys(deps.config)

  async function call(delivery: ClaimedDelivery, url: string, secret: string, signal: AbortSignal): Promise<Answer> {
    let target = new URL(url)
    const host: Record<string, string> = {}
    try {
      if (!webhooks.allowPrivate) {
        const address = await assertPublicHost(target)
        // Over https the receiver's certificate must match the name anyway; over http the call
        // goes to the address just checked, so a rebinding DNS answer cannot redirect it.
        if (target.protocol === 'http:') {
          host.host = target.host
          target = pinnedUrl(target, address)
        }
      }
    } catch (error) {
      if (error instanceof RefusedAddressError) return { kind: 'refused', reason: error.message }
      return { kind: 'error', reason: error instanceof Error ? error.message : String(error) }
    }
    const sentAt = deps.clock()
    const signature = new Webhook(secret).sign(delivery.id, sentAt, delivery.body)
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'registration-api-webhooks',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signature,
          ...host,
        },
        body: delivery.body,
        // A redirect could point anywhere, private addresses included: it counts as a failure.
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(webhooks.timeoutMs)]),
      })
      await response.body?.cancel().catch(() => {})
      return { kind: 'status', status: response.status }
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' }
      return { kind: 'error', reason: error instanceof Error ? error.message : String(error) }
    }
  }

  async function record(delivery: ClaimedDelivery, url: string, answer: Answer): Promise<WebhookOutcome> {
    const now = deps.clock()
    const context = { delivery_id: delivery.id, event: delivery.event }
    if (answer.kind === 'aborted') {
      await repo.schedule(deps.sql, delivery.id, workerId, {
        status: 'queued',
        at: now,
        httpStatus: null,
        uncounted: true,
      })
      return 'aborted'
    }
    const status = answer.kind === 'status' ? answer.status : null
    if (status !== null && status >= 200 && status < 300) {
      if (!(await repo.markDelivered(deps.sql, delivery.id, workerId, now, status)))
        deps.log.warn('a webhook was delivered after its lease was lost', context)
      return 'delivered'
    }
    if (status === 410) {
      // One transaction: nobody sees the delivery failed while the webhook is still on.
      const disabled = await transaction(deps.sql, async (tx) => {
        await repo.schedule(tx, delivery.id, workerId, { status: 'failed', at: now, httpStatus: 410, uncounted: false })
        return repo.disable(tx, delivery.server_id, url)
      })
      if (disabled)
        deps.log.warn('a webhook answered 410 Gone: it is turned off', { ...context, server: disabled.name })
      return 'disabled'
    }
    if (answer.kind !== 'status') deps.log.warn(`a webhook call failed: ${answer.reason}`, context)
    const gaveUp = now.getTime() - delivery.created_at.getTime() >= webhooks.giveUpSeconds * 1000
    const delay = retryDelaySeconds(delivery.attempts, null, webhooks.retryBaseSeconds)
    await repo.schedule(deps.sql, delivery.id, workerId, {
      status: gaveUp ? 'failed' : 'queued',
      at: new Date(now.getTime() + delay * 1000),
      httpStatus: status,
      uncounted: false,
    })
    return gaveUp ? 'gave_up' : answer.kind === 'refused' ? 'refused' : 'retry'
  }

  return {
    async attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<WebhookOutcome> {
      const url = delivery.webhook_url
      if (!url) {
        // The webhook was turned off after this event was queued.
        const now = deps.clock()
        await repo.schedule(deps.sql, delivery.id, workerId, {
          status: 'cancelled',
          at: now,
          httpStatus: null,
          uncounted: true,
        })
        return 'failed'
      }
      const secret = delivery.webhook_secret ? decryptWebhookSecret(keys, delivery.webhook_secret) : undefined
      const answer: Answer = secret
        ? await call(delivery, url, secret, signal)
        : {
            kind: 'error',
            reason:
              'its secret does not decrypt under SECRET_KEY or SECRET_KEY_PREVIOUS; give it a new one (bun run servers rotate-webhook-secret)',
          }
      const outcome = await record(delivery, url, answer)
      deps.metrics.webhookAttempt(outcome, answer.kind === 'status' ? answer.status : null)
      return outcome
    },
  }
}

export type WebhookSender = ReturnType<typeof createWebhookSender>
