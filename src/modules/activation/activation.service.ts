import { type Executor, transaction } from '../../db/client'
import type { Enqueued } from '../../delivery/delivery'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import type { Credentials } from '../../http/basic-auth'
import type { PasswordGuard } from '../../limits/password-guard'
import type { RateLimiter, RatePolicy } from '../../limits/rate-limiter'
import {
  ACTIVATION_CODE_PURPOSE,
  type ActivationSecrets,
  codeCandidates,
  codeKeys,
  newActivationSecrets,
  sha256,
} from '../../secrets'
import type { ServerIdentity } from '../servers/servers.repository'
import { createUsersRepository, toPublicUser, type UserRow } from '../users/users.repository'
import { createActivationsRepository } from './activation.repository'

export type ActivationStatus = 'activated' | 'already_activated'
export type EmailStatus = 'sent' | 'pending'

export interface IssuedActivation {
  id: string
  secret: ActivationSecrets
  expiresAt: Date
  email: Enqueued
}

export interface Delivery {
  status: EmailStatus
  expiresAt: Date
}

export interface LinkActivation {
  status: ActivationStatus
  /** The RateLimit fields of the password policy, for the answer. */
  headers: Record<string, string>
}

const gone = () => new AppError('activation.gone')

export function createActivationService(deps: Deps, limits: { guard: PasswordGuard; take: RateLimiter }) {
  const repo = createActivationsRepository(deps.statements)
  const users = createUsersRepository(deps.statements)
  const keys = codeKeys(deps.config)
  const { activationTtlSeconds, activationMaxAttempts, resendIntervalSeconds } = deps.config
  const expiryFrom = (from: Date) => new Date(from.getTime() + activationTtlSeconds * 1000)
  const unknownLinks: RatePolicy = {
    name: 'unknown_links',
    perMinute: deps.config.linkMissesPerMinute,
    problem: 'limit.unknown_links',
  }

  /**
   * Inside the caller's transaction: a code and link for the user, and the outbox
   * row that will email them (claimed for the request's own attempt when it may go now).
   */
  async function issue(
    db: Executor,
    serverId: string,
    user: Pick<UserRow, 'id' | 'email'>,
    now: Date,
  ): Promise<IssuedActivation> {
    const secret = newActivationSecrets(keys)
    const row = await repo.insert(db, {
      userId: user.id,
      codeHmac: secret.codeHmac,
      tokenHash: secret.tokenHash,
      now,
      expiresAt: expiryFrom(now),
    })
    const email = await deps.delivery.enqueue(db, {
      serverId,
      userId: user.id,
      subjectId: row.id,
      recipient: user.email,
      now,
      secret: { kind: 'activation', ...secret },
    })
    return { id: row.id, secret, expiresAt: row.expires_at, email }
  }

  /** After the commit: the request's own send, waited for at most MAIL_INLINE_WAIT_MS; never throws. */
  async function deliver(issued: IssuedActivation): Promise<Delivery> {
    const attempt = await deps.delivery.sendCommitted(issued.email)
    if (attempt.status === 'pending') return { status: 'pending', expiresAt: issued.expiresAt }
    return { status: 'sent', expiresAt: attempt.expiresAt ?? issued.expiresAt }
  }

  /**
   * 429 within RESEND_INTERVAL_SECONDS of the last email queued to this address by
   * this server (sent or not), or over a daily cap; counted by address, so deleting
   * and registering the user again does not reset them.
   */
  async function limitResends(db: Executor, serverId: string, email: string, now: Date): Promise<void> {
    const use = await deps.delivery.repo.recipientUse(db, serverId, email, now)
    const { maxPerUserPerDay, maxPerAddressPerDay } = deps.config.delivery
    const waits: { until: Date; code: 'activation.resend_too_soon' | 'mail.cap_reached'; detail: string }[] = []
    if (use.last_queued_at)
      waits.push({
        until: new Date(use.last_queued_at.getTime() + resendIntervalSeconds * 1000),
        code: 'activation.resend_too_soon',
        detail: `An activation email was sent less than ${resendIntervalSeconds} seconds ago`,
      })
    if (use.to_user >= maxPerUserPerDay && use.user_frees_at)
      waits.push({
        until: use.user_frees_at,
        code: 'mail.cap_reached',
        detail: `This address got ${maxPerUserPerDay} emails from this server in 24 hours`,
      })
    if (use.to_address >= maxPerAddressPerDay && use.address_frees_at)
      waits.push({
        until: use.address_frees_at,
        code: 'mail.cap_reached',
        detail: `This address got ${maxPerAddressPerDay} emails in 24 hours`,
      })
    const longest = waits
      .filter((w) => w.until.getTime() > now.getTime())
      .sort((a, b) => b.until.getTime() - a.until.getTime())[0]
    if (!longest) return
    const seconds = Math.ceil((longest.until.getTime() - now.getTime()) / 1000)
    throw new AppError(longest.code, {
      detail: `${longest.detail}; try again in ${seconds} s.`,
      headers: { 'retry-after': String(seconds) },
    })
  }

  /** In the activating transaction: the user.activated event, with the user as it now is. */
  async function announceActivation(tx: Executor, serverId: string, serverName: string, email: string) {
    const activated = await users.findByEmail(tx, serverId, email)
    if (activated) await deps.webhooks.emit(tx, serverId, 'user.activated', toPublicUser(serverName, activated))
  }

  /** No live code or link was left: either a concurrent request activated the user, or it is gone. */
  async function afterMiss(serverId: string, email: string): Promise<ActivationStatus> {
    const user = await users.findByEmail(deps.sql, serverId, email)
    if (user?.is_activated) return 'already_activated'
    throw gone()
  }

  return {
    issue,
    deliver,

    /** For a user whose credentials were checked (the `user` route option). */
    async activateByCode(server: ServerIdentity, user: UserRow, code: string): Promise<ActivationStatus> {
      if (user.is_activated) return 'already_activated'
      const [current, previous] = codeCandidates(keys, ACTIVATION_CODE_PURPOSE, code)
      const attempt = await transaction(deps.sql, async (tx) => {
        const attempt = await repo.consumeByCode(tx, {
          userId: user.id,
          codeHmac: current,
          previousCodeHmac: previous,
          now: deps.clock(),
          maxAttempts: activationMaxAttempts,
        })
        if (attempt?.matched) await announceActivation(tx, server.id, server.name, user.email)
        return attempt
      })
      if (!attempt) return afterMiss(server.id, user.email)
      if (attempt.matched) return 'activated'
      const attemptsLeft = activationMaxAttempts - attempt.wrong_attempts
      throw new AppError('activation.wrong_code', {
        detail: attemptsLeft > 0 ? undefined : 'That is not the code we sent; no attempts are left.',
        extra: { attempts_left: attemptsLeft },
      })
    },

    /**
     * Checks in the contract's order: token known (404; at most LINK_MISSES_PER_MINUTE
     * per client address, then 429), the password lock of the token's server and
     * the Basic email (429), credentials right, already active, not expired.
     */
    async activateByLink(token: string, credentials: Credentials, client: string): Promise<LinkActivation> {
      const found = await repo.findByTokenHash(deps.sql, sha256(token))
      if (!found) throw new AppError('activation.unknown_link', { headers: await limits.take(unknownLinks, client) })
      const sameUser = found.email.toLowerCase() === credentials.email.toLowerCase()
      const { account, headers } = await limits.guard.check(found.server_id, credentials, async () =>
        sameUser ? found : undefined,
      )
      if (!account) throw invalidCredentials(headers)
      if (found.is_activated) return { status: 'already_activated', headers }
      const consumed = await transaction(deps.sql, async (tx) => {
        const consumed = await repo.consumeByToken(tx, found.id, deps.clock(), activationMaxAttempts)
        if (consumed) await announceActivation(tx, found.server_id, found.server_name, found.email)
        return consumed
      })
      if (consumed) return { status: 'activated', headers }
      const again = await repo.findByTokenHash(deps.sql, sha256(token))
      if (again?.is_activated) return { status: 'already_activated', headers }
      throw gone()
    },

    /**
     * For a user whose credentials were checked (the `user` route option). `stage` runs inside
     * the transaction that issues the new code and link, with the answer as it stands before the email.
     */
    async resend(
      server: ServerIdentity,
      user: UserRow,
      stage?: (tx: Executor, delivery: Delivery) => Promise<void>,
    ): Promise<Delivery> {
      const issued = await transaction(deps.sql, async (tx) => {
        const state = await repo.lockForResend(tx, user.id)
        if (!state) throw invalidCredentials()
        if (state.is_activated) throw new AppError('activation.already_activated')
        const now = deps.clock()
        await limitResends(tx, server.id, user.email, now)
        await repo.supersedeLive(tx, user.id, now)
        await deps.delivery.repo.cancelQueuedOfUser(tx, user.id)
        const fresh = await issue(tx, server.id, user, now)
        await stage?.(tx, { status: 'pending', expiresAt: fresh.expiresAt })
        return fresh
      })
      return deliver(issued)
    },
  }
}

export type ActivationService = ReturnType<typeof createActivationService>
