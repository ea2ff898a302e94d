import { type Executor, transaction } from '../db/client'
import type { Deps } from '../deps'
import { type ActivationSecrets, codeKeys, newActivationSecrets } from '../secrets'
import type { ClaimedEmail, DeliveryRepository } from './delivery.repository'

/** How long an email held back by a per-address cap waits before it is looked at again. */
const CAP_HOLD_BACK_SECONDS = 300

export interface Claim {
  email: ClaimedEmail
  secret: ActivationSecrets
}

/**
 * Claims emails under the delivery lock: settles the ones that must not go, then
 * takes up to `limit` due ones within the quota and caps, each with the code and
 * link it will carry (fresh ones, or the request's own for its first attempt).
 */
export function createClaims(
  deps: Pick<Deps, 'config' | 'clock' | 'metrics'>,
  repo: DeliveryRepository,
  workerId: string,
) {
  const { delivery } = deps.config
  const keys = codeKeys(deps.config)

  async function claimIn(
    db: Executor,
    options: { limit: number; secrets?: ActivationSecrets[]; onlyId?: string; probe?: boolean },
  ): Promise<Claim[]> {
    const now = deps.clock()
    const secrets = options.secrets ?? Array.from({ length: options.limit }, () => newActivationSecrets(keys))
    await repo.lock(db)
    // The request's own row was just written: nothing to settle before it.
    if (!options.onlyId)
      deps.metrics.emailsSettled(await repo.settle(db, now, delivery.giveUpSeconds, options.limit * 2))
    const claimed = await repo.claim(db, {
      now,
      leaseUntil: new Date(now.getTime() + delivery.leaseSeconds * 1000),
      workerId,
      limit: options.limit,
      codeHmacs: secrets.map((s) => s.codeHmac),
      tokenHashes: secrets.map((s) => s.tokenHash),
      onlyId: options.onlyId ?? null,
      probe: options.probe ?? false,
      dailyLimit: delivery.dailyLimit ?? null,
      monthlyLimit: delivery.monthlyLimit ?? null,
      maxPerUser: delivery.maxPerUserPerDay,
      maxPerAddress: delivery.maxPerAddressPerDay,
      holdBackSeconds: CAP_HOLD_BACK_SECONDS,
    })
    return claimed.map((email) => ({ email, secret: secrets[email.secret_index - 1] as ActivationSecrets }))
  }

  return {
    /** Inside the request's transaction: its own email, with the code and link it made. */
    own: (db: Executor, emailId: string, secret: ActivationSecrets) =>
      claimIn(db, { limit: 1, secrets: [secret], onlyId: emailId }).then((claims) => claims[0]),
    /** The worker's claim, in a transaction of its own. */
    due: (sql: Deps['sql'], limit: number, probe: boolean) => transaction(sql, (tx) => claimIn(tx, { limit, probe })),
  }
}

export type Claims = ReturnType<typeof createClaims>
