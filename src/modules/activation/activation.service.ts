import { type Executor, transaction } from '../../db/client'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import { renderActivationEmail } from '../../mail/activation-email'
import { randomCode, randomToken, sha256 } from '../../secrets'
import type { ServerIdentity } from '../servers/servers.repository'
import { isEmail } from '../users/users.model'
import { createUsersRepository, type UserRow } from '../users/users.repository'
import { createActivationsRepository } from './activation.repository'
import type { Credentials } from './basic-auth'

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

const gone = () => new AppError('activation.gone')

export function createActivationService(deps: Deps) {
  const repo = createActivationsRepository(deps.statements)
  const users = createUsersRepository(deps.statements)
  const { activationTtlSeconds, activationMaxAttempts, resendIntervalSeconds } = deps.config
  const expiryFrom = (from: Date) => new Date(from.getTime() + activationTtlSeconds * 1000)

  /** Creates a code and link for the user inside the caller's transaction. */
  async function issue(db: Executor, userId: string, now: Date): Promise<IssuedActivation> {
    const code = randomCode()
    const token = randomToken()
    const row = await repo.insert(db, { userId, code, tokenHash: sha256(token), now, expiresAt: expiryFrom(now) })
    return { id: row.id, code, token, expiresAt: row.expires_at }
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

  /** The same work, and the same 401, for an unknown email as for a wrong password. */
  async function authenticate(serverId: string, credentials: Credentials): Promise<UserRow> {
    const user = isEmail(credentials.email) ? await users.findByEmail(deps.sql, serverId, credentials.email) : undefined
    const verified = await deps.passwords.verify(credentials.password, user?.password_hash)
    if (!user || !verified) throw invalidCredentials()
    return user
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

    async activateByCode(server: ServerIdentity, credentials: Credentials, code: string): Promise<ActivationStatus> {
      const user = await authenticate(server.id, credentials)
      if (user.is_activated) return 'already_activated'
      const attempt = await repo.consumeByCode(deps.sql, user.id, code, deps.clock(), activationMaxAttempts)
      if (!attempt) return afterMiss(server.id, user.email)
      if (attempt.matched) return 'activated'
      const attemptsLeft = activationMaxAttempts - attempt.wrong_attempts
      throw new AppError('activation.wrong_code', {
        detail: attemptsLeft > 0 ? undefined : 'That is not the code we sent; no attempts are left.',
        extra: { attempts_left: attemptsLeft },
      })
    },

    /** Checks in the contract's order: token known, credentials right, already active, not expired. */
    async activateByLink(token: string, credentials: Credentials): Promise<ActivationStatus> {
      const found = await repo.findByTokenHash(deps.sql, sha256(token))
      if (!found) throw new AppError('activation.unknown_link')
      const sameUser = found.email.toLowerCase() === credentials.email.toLowerCase()
      const verified = await deps.passwords.verify(credentials.password, sameUser ? found.password_hash : undefined)
      if (!verified) throw invalidCredentials()
      if (found.is_activated) return 'already_activated'
      if (await repo.consumeByToken(deps.sql, found.id, deps.clock(), activationMaxAttempts)) return 'activated'
      const again = await repo.findByTokenHash(deps.sql, sha256(token))
      if (again?.is_activated) return 'already_activated'
      throw gone()
    },

    async resend(server: ServerIdentity, credentials: Credentials): Promise<Delivery> {
      const user = await authenticate(server.id, credentials)
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
