import { transaction } from '../db/client'
import type { Deps } from '../deps'
import { type PublicUserRow, toPublicUser } from '../modules/users/users.repository'

/** Rows deleted per statement, so no sweep holds many locks or runs long. */
const BATCH = 1_000

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

  async function drain(run: () => Promise<unknown[]>): Promise<number> {
    let total = 0
    for (;;) {
      const deleted = (await run()).length
      total += deleted
      if (deleted < BATCH) return total
    }
  }

  return async function sweep(): Promise<SweepReport> {
    const now = deps.clock().getTime()
    const ago = (seconds: number) => new Date(now - seconds * 1000)
    return {
      limitBuckets: await drain(() => buckets.many(deps.sql, [new Date(now), BATCH])),
      unactivatedUsers: await drain(() =>
        // Each deleted user's webhook event commits with its deletion.
        transaction(deps.sql, async (tx) => {
          const deleted = await unactivated.many<PublicUserRow & { server_id: string; server_name: string }>(tx, [
            ago(deps.config.unactivatedTtlSeconds),
            BATCH,
          ])
          await Promise.all(
            deleted.map((user) =>
              deps.webhooks.emit(tx, user.server_id, 'user.deleted', toPublicUser(user.server_name, user)),
            ),
          )
          return deleted
        }),
      ),
      oldActivations: await drain(() => activations.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH])),
      oldPasswordResets: await drain(() => resets.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH])),
      oldEmails: await drain(() => emails.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH])),
      oldWebhookDeliveries: await drain(() =>
        webhookDeliveries.many(deps.sql, [ago(deps.config.retentionSeconds), BATCH]),
      ),
    }
  }
}

export type Sweep = ReturnType<typeof createMaintenanceTasks>
