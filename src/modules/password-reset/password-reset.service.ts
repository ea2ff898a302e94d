import { randomUUID } from 'node:crypto'
import { type Executor, transaction } from '../../db/client'
import type { Deps } from '../../deps'
import { AppError } from '../../errors'
import type { PasswordGuard } from '../../limits/password-guard'
import { codeCandidates, codeKeys, newResetSecret, RESET_CODE_PURPOSE } from '../../secrets'
import type { ServerIdentity } from '../servers/servers.repository'
import type { PublicUser } from '../users/users.model'
import { createUsersRepository, toPublicUser } from '../users/users.repository'
import type { ResetConfirmInput } from './password-reset.model'
import { createPasswordResetsRepository, type ResetOutcome } from './password-reset.repository'

const gone = () => new AppError('password_reset.gone')

/**
 * Password reset by an emailed 6-digit code. Whether the server has a user with the
 * email must not show: a request for an unknown email does the same work (a code row
 * that is never emailed and never matches) and gets the same 202, and a confirm for it
 * counts wrong codes and burns them exactly as for a real user.
 */
export function createPasswordResetService(deps: Deps, guard: Pick<PasswordGuard, 'forget'>) {
  const repo = createPasswordResetsRepository(deps.statements)
  const users = createUsersRepository(deps.statements)
  const keys = codeKeys(deps.config)
  const { resetTtlSeconds, activationMaxAttempts } = deps.config

  const wrongCode = (attempt: ResetOutcome) => {
    const attemptsLeft = activationMaxAttempts - (attempt.wrong_attempts ?? 0)
    return new AppError('password_reset.wrong_code', {
      detail: attemptsLeft > 0 ? undefined : 'That is not the code we sent; no attempts are left.',
      extra: { attempts_left: attemptsLeft },
    })
  }

  return {
    /**
     * One transaction: the previous code of this (server, email) superseded, a new one
     * stored, and for a user the outbox row that emails it (over a mail cap it waits in
     * the queue). The workers send it, woken by NOTIFY at the commit: the request makes no
     * attempt of its own, whose claim and Mailjet's answer would tell by their time which
     * emails belong to a user. `stage` runs inside the transaction, for Idempotency-Key.
     */
    async request(server: ServerIdentity, email: string, stage?: (tx: Executor) => Promise<void>): Promise<void> {
      const now = deps.clock()
      await transaction(deps.sql, async (tx) => {
        // Statements sent together go in one round trip (postgres.js pipelines them), so a
        // user's request and one for nobody take as many: only the outbox rows differ.
        const [, user] = await Promise.all([
          repo.lockKey(tx, server.id, email),
          users.findByEmail(tx, server.id, email),
        ])
        const secret = newResetSecret(keys)
        const id = randomUUID()
        await Promise.all([
          repo.supersedeLive(tx, server.id, email, now),
          repo.insert(tx, {
            id,
            serverId: server.id,
            email,
            userId: user?.id ?? null,
            codeHmac: secret.codeHmac,
            now,
            expiresAt: new Date(now.getTime() + resetTtlSeconds * 1000),
          }),
          user &&
            deps.delivery.enqueue(tx, {
              serverId: server.id,
              userId: user.id,
              subjectId: id,
              recipient: user.email,
              now,
              secret: { kind: 'password_reset', ...secret },
              inline: false,
            }),
          stage?.(tx),
        ])
      })
    },

    /**
     * The code is checked and a wrong one counted by one statement; a right one sets the
     * password (and activates the user: the code proves the address) in the same transaction.
     */
    async confirm(server: ServerIdentity, input: ResetConfirmInput): Promise<PublicUser> {
      const [current, previous] = codeCandidates(keys, RESET_CODE_PURPOSE, input.code)
      const result = await transaction(deps.sql, async (tx) => {
        const attempt = await repo.consume(tx, {
          serverId: server.id,
          email: input.email,
          codeHmac: current,
          previousCodeHmac: previous,
          now: deps.clock(),
          maxAttempts: activationMaxAttempts,
        })
        if (attempt.outcome !== 'matched' || !attempt.user_id) return { attempt, user: undefined }
        // Hashed only for a right code, so a wrong one costs no more for a user than for nobody.
        const passwordHash = await deps.passwords.hash(input.password)
        const user = await repo.resetPassword(tx, attempt.user_id, passwordHash, deps.clock())
        if (user) {
          // The webhook events, in this transaction: the new password, and the activation it made.
          const shown = toPublicUser(server.name, user)
          await deps.webhooks.emit(tx, server.id, 'user.password_changed', shown)
          if (user.newly_activated) await deps.webhooks.emit(tx, server.id, 'user.activated', shown)
        }
        return { attempt, user }
      })
      if (result.user) {
        // Whoever locked the email by guessing its old password no longer keeps its owner out.
        await guard.forget(server.id, input.email)
        return toPublicUser(server.name, result.user)
      }
      // Thrown after the commit: the wrong attempt stays counted.
      if (result.attempt.outcome === 'gone' || result.attempt.outcome === 'matched') throw gone()
      throw wrongCode(result.attempt)
    },

    /** Inside the caller's transaction: a password changed by other means ends the live code of that email. */
    revokeLive: (db: Executor, serverId: string, email: string) =>
      repo.supersedeLive(db, serverId, email, deps.clock()),
  }
}

export type PasswordResetService = ReturnType<typeof createPasswordResetService>
