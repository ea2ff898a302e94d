import { type Executor, transaction } from '../db/client'
import type { Deps } from '../deps'
import { codeKeys, type EmailSecret, newActivationSecrets, newResetSecret } from '../secrets'
import type { ClaimedEmail, DeliveryRepository } from './delivery.repository'

/** How long an email held back by a per-address cap waits before it is looked at again. */
const CAP_HOLD_BACK_SECONDS = 300

export interface Claim {
  email: ClaimedEmail
  secret: EmailSecret
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
    options: { limit: number; own?: { id: string; secret: EmailSecret }; probe?: boolean },
  ): Promise<Claim[]> {
    const now = deps.clock()
    // One fresh secret of each kind per place: the claim finds out which kind each email is.
    const fresh = options.own
      ? []
      : Array.from({ length: options.limit }, () => ({
          activation: newActivationSecrets(keys),
          reset: newResetSecret(keys),
        }))
    const secretOf = (email: ClaimedEmail): EmailSecret => {
      if (options.own) return options.own.secret
      const slot = fresh[email.secret_index - 1]
      if (!slot) throw new Error(`claim returned secret index ${email.secret_index} of ${fresh.length}`)
      return email.kind === 'activation'
        ? { kind: 'activation', ...slot.activation }
        : { kind: 'password_reset', ...slot.reset }
    }
    // The request's own claim needs neither: its insert took the lock with its row (one round
    // trip fewer), and that row, just written, is nothing to settle.
    if (!options.own) {
      await repo.lock(db)
      deps.metrics.emailsSettled(await repo.settle(db, now, delivery.giveUpSeconds, options.limit * 2))
    }
    const claimed = await repo.claim(db, {
      now,
      leaseUntil: new Date(now.getTime() + delivery.leaseSeconds * 1000),
      workerId,
      limit: options.limit,
      codeHmacs: fresh.map((s) => s.activation.codeHmac),
      tokenHashes: fresh.map((s) => s.activation.tokenHash),
      resetCodeHmacs: fresh.map((s) => s.reset.codeHmac),
      onlyId: options.own?.id ?? null,
      probe: options.probe ?? false,
      dailyLimit: delivery.dailyLimit ?? null,
      monthlyLimit: delivery.monthlyLimit ?? null,
      maxPerUser: delivery.maxPerUserPerDay,
      maxPerAddress: delivery.maxPerAddressPerDay,
      holdBackSeconds: CAP_HOLD_BACK_SECONDS,
    })
    return claimed.map((email) => ({ email, secret: secretOf(email) }))
  }

  return {
    /** Inside the request's transaction, after its insert took the lock: its own email, with the code and link it made. */
    own: (db: Executor, emailId: string, secret: EmailSecret) =>
      claimIn(db, { limit: 1, own: { id: emailId, secret } }).then((claims) => claims[0]),
    /** The worker's claim, in a transaction of its own. */
    due: (sql: Deps['sql'], limit: number, probe: boolean) => transaction(sql, (tx) => claimIn(tx, { limit, probe })),
  }
}

export type Claims = ReturnType<typeof createClaims>
