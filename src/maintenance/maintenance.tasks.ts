import { transaction } from '../db/client'
import type { Deps } from '../deps'
import { type PublicUserRow, toPublicUser } from '../modules/users/users.repository'

/** Rows deleted per statement, so no sweep holds many locks or runs long. */
const BATCH = 1_000

/** Waits `ms`, or less when `stop` aborts meanwhile. */
function pause(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      stop?.removeEventListener('abort', done)
      resolve()
    }
    stop?.addEventListener('abort', done)
  })
}

export interface SweepReport {
  limitBuckets: number
  unactivatedUsers: number
  oldActivations: number
  oldPasswordResets: number
  oldEmails: number
  oldWebhookDeliveries: number
}

/**
 * One sweep of the background maintenance, by the service's clock: counters that
 * expired, users never activated within UNACTIVATED_TTL_SECONDS of their last
 * email, codes (activation and password reset) and links whose lifetime ended
 * more than RETENTION_SECONDS ago, and emails and webhook deliveries settled
 * (sent or delivered, failed, cancelled) that long ago.
 * Each statement deletes in batches and skips rows another instance is deleting,
 * so every instance can sweep at once.
 */
export function createMaintenanceTasks(deps: Pick<Deps, 'sql' | 'statements' | 'clock' | 'config' | 'webhooks'>) {
  const buckets = deps.statements.get('maintenance/delete_expired_limit_buckets')
  const unactivated = deps.statements.get('maintenance/delete_unactivated_users')
  const activations = deps.statements.get('maintenance/delete_old_activations')
  const resets = deps.statements.get('maintenance/delete_old_password_resets')
  const emails = deps.statements.get('maintenance/delete_old_emails')
  const webhookDeliveries = deps.statements.get('maintenance/delete_old_webhook_deliveries')

  /**
   * Batches until one is not full. A backlog (the first sweep over an old database) is
   * worked through at most half the time, pausing after each batch as long as it took, so
   * requests keep the database; `stop` ends it between two batches, the rest left for later.
   */
  async function drain(run: () => Promise<unknown[]>, stop?: AbortSignal): Promise<number> {
    let total = 0
    for (;;) {
      if (stop?.aborted) return total
      const started = performance.now()
      const deleted = (await run()).length
      total += deleted
      if (deleted < BATCH) return total
      await pause(performance.now() - started, stop)
    }
  }

  return async function sweep(stop?: AbortSignal): Promise<SweepReport> {
    const now = deps.clock().getTime()
    const ago = (seconds: number) => new Date(now - seconds * 1000)
    return {
      limitBuckets: await drain(() => buckets.many(deps.sql, [new Date(now), BATCH]), stop),
      unactivatedUsers: await drain(
        () =>
          // Each deleted user's webhook event commits with its deletion.
          transaction(deps.sql, async (tx) => {
            const deleted = await unactivated.many<PublicUserRow & { server_id: string; server_name: string }>(tx, [
              ago(deps.config.unactivatedTtlSeconds),
              BATCH,
            ])
            await deps.webhooks.emitAll(
              tx,
              deleted.map((user) => ({
                serverId: user.server_id,
                type: 'user.deleted' as const,
                user: toPublicUser(user.server_name, user),
              })),
            )
            return deleted
          }),
        stop,
      ),
      oldActivations: await drain(() => activations.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH]), stop),
      oldPasswordResets: await drain(() => resets.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH]), stop),
      oldEmails: await drain(() => emails.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH]), stop),
      oldWebhookDeliveries: await drain(
        () => webhookDeliveries.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH]),
        stop,
      ),
    }
  }
}

export type Sweep = ReturnType<typeof createMaintenanceTasks>
