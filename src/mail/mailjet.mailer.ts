import type { MailjetCredentials } from '../config'
import type { Logger } from '../log'
import type { Mailer, MailMessage } from './mailer'

export const MAILJET_TIMEOUT_MS = 10_000

/** Mailjet's Send API v3.1 over plain fetch: one POST per message. */
export function createMailjetMailer(options: {
  apiUrl: string
  credentials: MailjetCredentials
  log: Logger
  timeoutMs?: number
}): Mailer {
  const endpoint = `${options.apiUrl}/v3.1/send`
  const authorization = `Basic ${btoa(`${options.credentials.apiKey}:${options.credentials.apiSecret}`)}`
  const timeoutMs = options.timeoutMs ?? MAILJET_TIMEOUT_MS

  return {
    async send(message: MailMessage): Promise<boolean> {
      const body = {
        Messages: [
          {
            From: { Email: message.from.email, Name: message.from.name },
            To: [{ Email: message.to.email, Name: message.to.name }],
            Subject: message.subject,
            TextPart: message.text,
            HTMLPart: message.html,
          },
        ],
      }
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        })
        // Drain the body so the connection can be reused.
        await response.arrayBuffer()
        if (response.ok) return true
        options.log.warn('mailjet refused the message', { status: response.status })
      } catch (error) {
        options.log.warn('mailjet did not answer', { error: error instanceof Error ? error.name : String(error) })
      }
      return false
    },
  }
}
