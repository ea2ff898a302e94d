import type { MailjetCredentials } from '../config'
import type { Logger } from '../log'
import type { Mailer, MailMessage, SendOptions, SendResult } from './mailer'
import { readMailjetAnswer, retryAfterSeconds } from './mailjet.answer'

/** Mailjet's Send API v3.1 over plain fetch: one POST per message. */
export function createMailjetMailer(options: {
  apiUrl: string
  credentials: MailjetCredentials
  log: Logger
  timeoutMs: number
}): Mailer {
  const endpoint = `${options.apiUrl}/v3.1/send`
  const authorization = `Basic ${btoa(`${options.credentials.apiKey}:${options.credentials.apiSecret}`)}`

  return {
    async send(message: MailMessage, sendOptions: SendOptions = {}): Promise<SendResult> {
      const body = {
        Messages: [
          {
            From: { Email: message.from.email, Name: message.from.name },
            To: [{ Email: message.to.email, Name: message.to.name }],
            Subject: message.subject,
            TextPart: message.text,
            HTMLPart: message.html,
            ...(sendOptions.customId ? { CustomID: sendOptions.customId } : {}),
          },
        ],
      }
      const timeout = AbortSignal.timeout(options.timeoutMs)
      const signal = sendOptions.signal ? AbortSignal.any([timeout, sendOptions.signal]) : timeout
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal,
        })
        const text = await response.text()
        const result = readMailjetAnswer(
          response.status,
          text,
          retryAfterSeconds(response.headers.get('retry-after'), new Date()),
        )
        if (result.outcome !== 'sent') options.log.warn('mailjet did not accept the message', { ...result })
        return result
      } catch (error) {
        if (sendOptions.signal?.aborted) return { outcome: 'aborted' }
        options.log.warn('mailjet did not answer', { error: error instanceof Error ? error.name : String(error) })
        return { outcome: 'retry', status: null, code: null, retryAfterSeconds: null }
      }
    },
  }
}
