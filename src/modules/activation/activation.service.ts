import { type Executor, transaction } from '../../db/client'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import type { Credentials } from '../../http/basic-auth'
import type { PasswordGuard } from '../../limits/password-guard'
import type { RateLimiter, RatePolicy } from '../../limits/rate-limiter'
import { renderActivationEmail } from '../../mail/activation-email'
import { ACTIVATION_CODE_PURPOSE, codeCandidates, codeKeys, newActivationSecrets, sha256 } from '../../secrets'
import type { ServerIdentity } from '../servers/servers.repository'
import { createUsersRepository, type UserRow } from '../users/users.repository'
import { createActivationsRepository } from './activation.repository'

export type ActivationStatus = 'activated' | 'already_activated'
export type EmailStatus = 'sent' | 'pending'

export interface IssuedActivation {
  id: string
  code: string
  token: string
  expiresAt: Date
}

export interface Delivery {
  status: EmailStatus
  expiresAt: Date
}

type Recipient = Pick<UserRow, 'email' | 'first_name' | 'last_name'>

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

  /** Creates a code and link for the user inside the caller's transaction. */
  async function issue(db: Executor, userId: string, now: Date): Promise<IssuedActivation> {
    const secrets = newActivationSecrets(keys)
    const row = await repo.insert(db, {
      userId,
      codeHmac: secrets.codeHmac,
      tokenHash: secrets.tokenHash,
      now,
      expiresAt: expiryFrom(now),
    })
    return { id: row.id, code: secrets.code, token: secrets.token, expiresAt: row.expires_at }
  }

  /** Sends the email after the activation is committed; a failed send leaves it pending, never throws. */
  async function deliver(server: ServerIdentity, user: Recipient, issued: IssuedActivation): Promise<Delivery> {
    const content = renderActivationEmail({
      serverName: server.name,
      firstName: user.first_name,
      code: issued.code,
      link: `${deps.config.publicUrl}/validation/${issued.token}`,
      ttlSeconds: activationTtlSeconds,
    })
    const fullName = [user.first_name, user.last_name].filter(Boolean).join(' ')
    const accepted = await deps.mailer.send({
      from: { email: deps.config.mailFromEmail, name: server.name },
      to: { email: user.email, name: fullName || user.email },
      ...content,
    })
    if (!accepted) return { status: 'pending', expiresAt: issued.expiresAt }
    const sentAt = deps.clock()
    const marked = await repo.markSent(deps.sql, issued.id, sentAt, expiryFrom(sentAt))
    return { status: 'sent', expiresAt: marked?.expires_at ?? issued.expiresAt }
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
      const attempt = await repo.consumeByCode(deps.sql, {
        userId: user.id,
        codeHmac: current,
        previousCodeHmac: previous,
        now: deps.clock(),
        maxAttempts: activationMaxAttempts,
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
      if (await repo.consumeByToken(deps.sql, found.id, deps.clock(), activationMaxAttempts))
        return { status: 'activated', headers }
      const again = await repo.findByTokenHash(deps.sql, sha256(token))
      if (again?.is_activated) return { status: 'already_activated', headers }
      throw gone()
    },

    /** For a user whose credentials were checked (the `user` route option). */
    async resend(server: ServerIdentity, user: UserRow): Promise<Delivery> {
      const issued = await transaction(deps.sql, async (tx) => {
        const state = await repo.lockForResend(tx, user.id)
        if (!state) throw invalidCredentials()
        if (state.is_activated) throw new AppError('activation.already_activated')
        const now = deps.clock()
        if (state.last_sent_at) {
          const waitMs = state.last_sent_at.getTime() + resendIntervalSeconds * 1000 - now.getTime()
          if (waitMs > 0) {
            const seconds = Math.ceil(waitMs / 1000)
            throw new AppError('activation.resend_too_soon', {
              detail: `An activation email was sent less than ${resendIntervalSeconds} seconds ago; try again in ${seconds} s.`,
              headers: { 'retry-after': String(seconds) },
            })
          }
        }
        await repo.supersedeLive(tx, user.id, now)
        return issue(tx, user.id, now)
      })
      return deliver(server, user, issued)
    },
  }
}

export type ActivationService = ReturnType<typeof createActivationService>
