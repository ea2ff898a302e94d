import type { Deps } from '../deps'
import { renderActivationEmail } from '../mail/activation-email'
import type { SendResult } from '../mail/mailer'
import { renderPasswordResetEmail } from '../mail/password-reset-email'
import { PROBE_BASE_SECONDS, retryDelaySeconds } from './delivery.backoff'
import type { Claim } from './delivery.claims'
import type { DeliveryRepository } from './delivery.repository'

export type AttemptResult = { status: 'sent'; expiresAt: Date | null } | { status: 'pending' }

/** Waits between tries to record an accepted email: well within any lease. */
const RECORD_RETRY_MS = [250, 1_000, 2_500]

/**
 * Mailjet accepted the email: if the database blinks now, the row would wait for its
 * lease to end and go out a second time, so recording it is tried again a few times.
 */
async function persistently<T>(write: () => Promise<T>): Promise<T> {
  for (const waitMs of RECORD_RETRY_MS) {
    try {
      return await write()
    } catch {
      await Bun.sleep(waitMs)
    }
  }
  return write()
}

/** Sends one claimed email and records what Mailjet answered. */
export function createSender(
  deps: Pick<Deps, 'config' | 'clock' | 'mailer' | 'sql' | 'log' | 'metrics'>,
  repo: DeliveryRepository,
  workerId: string,
) {
  const { config, log } = deps

  function compose({ email, secret }: Claim) {
    const content =
      secret.kind === 'activation'
        ? renderActivationEmail({
            serverName: email.server_name,
            firstName: email.first_name,
            code: secret.code,
            link: `${config.publicUrl}/validation/${secret.token}`,
            ttlSeconds: config.activationTtlSeconds,
          })
        : renderPasswordResetEmail({
            serverName: email.server_name,
            firstName: email.first_name,
            code: secret.code,
            ttlSeconds: config.resetTtlSeconds,
          })
    const fullName = [email.first_name, email.last_name].filter(Boolean).join(' ')
    return {
      from: { email: config.mailFromEmail, name: email.server_name },
      to: { email: email.email, name: fullName || email.email },
      ...content,
    }
  }

  async function record(claim: Claim, result: SendResult, probe: boolean): Promise<AttemptResult> {
    const { email } = claim
    const now = deps.clock()
    deps.metrics.emailAttempt(result)
    if (result.outcome === 'sent') {
      const row = await persistently(() =>
        repo.markSent(deps.sql, email.id, workerId, now, result.messageId, {
          activationSeconds: config.activationTtlSeconds,
          resetSeconds: config.resetTtlSeconds,
        }),
      )
      if (!row) log.warn('an email was sent after its lease was lost', { email_id: email.id })
      if (probe && (await repo.resume(deps.sql))) {
        log.info('mail sending resumed: Mailjet accepts the account again')
        // Every instance's worker goes back to the waiting emails now, not at its next poll.
        await repo.notify(deps.sql)
      }
      return { status: 'sent', expiresAt: row?.expires_at ?? null }
    }
    if (result.outcome === 'aborted') {
      await repo.schedule(deps.sql, email.id, workerId, {
        status: 'queued',
        at: now,
        httpStatus: null,
        code: null,
        uncounted: true,
      })
      return { status: 'pending' }
    }
    if (result.outcome === 'paused') {
      const firstProbe = new Date(now.getTime() + PROBE_BASE_SECONDS * 1000)
      if (await repo.pause(deps.sql, now, result.status, result.code, firstProbe))
        log.error(
          'mail sending paused: Mailjet refuses the account; check MAILJET_API_KEY, MAILJET_API_SECRET and that MAIL_FROM_EMAIL is a validated sender',
          {
            status: result.status,
            code: result.code,
            mailjet_message: result.message,
          },
        )
      await repo.schedule(deps.sql, email.id, workerId, {
        status: 'queued',
        at: now,
        httpStatus: result.status,
        code: result.code,
        uncounted: false,
      })
      return { status: 'pending' }
    }
    const gaveUp =
      result.outcome === 'failed' || now.getTime() - email.queued_at.getTime() >= config.delivery.giveUpSeconds * 1000
    const delay =
      result.outcome === 'retry'
        ? retryDelaySeconds(email.attempts, result.retryAfterSeconds, config.delivery.retryBaseSeconds)
        : 0
    await repo.schedule(deps.sql, email.id, workerId, {
      status: gaveUp ? 'failed' : 'queued',
      at: new Date(now.getTime() + delay * 1000),
      httpStatus: result.status,
      code: result.code,
      uncounted: false,
    })
    if (gaveUp) deps.metrics.emailGivenUp()
    return { status: 'pending' }
  }

  return {
    async attempt(claim: Claim, signal: AbortSignal, probe = false): Promise<AttemptResult> {
      const result = await deps.mailer.send(compose(claim), { customId: claim.email.id, signal })
      return record(claim, result, probe)
    },
  }
}

export type Sender = ReturnType<typeof createSender>
