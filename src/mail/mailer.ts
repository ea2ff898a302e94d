/** An email ready to go: who sends it, to whom, and its two parts. */
export interface MailMessage {
  from: { email: string; name: string }
  to: { email: string; name: string }
  subject: string
  text: string
  html: string
}

/** Mailjet's answer, by what the outbox does with it (README, "Delivery"). */
export type SendResult =
  /** Accepted: the email will go out. */
  | { outcome: 'sent'; status: number | null; messageId: string | null }
  /** 429, 5xx, a timeout or no connection: try again later, after `retryAfterSeconds` at least. */
  | { outcome: 'retry'; status: number | null; code: string | null; retryAfterSeconds: number | null }
  /** This message can never go (400, e.g. an invalid recipient). */
  | { outcome: 'failed'; status: number; code: string | null }
  /** The account is refused (401/403): no email can go until an operator acts. */
  | { outcome: 'paused'; status: number; code: string | null; message: string | null }
  /** Our own shutdown cut the attempt before any answer. */
  | { outcome: 'aborted' }

export interface SendOptions {
  /** Sent as Mailjet's CustomID: the outbox row's id. */
  customId?: string
  /** Aborts the attempt (shutdown). */
  signal?: AbortSignal
}

/** Never throws: every way a send can end is a SendResult. */
export interface Mailer {
  send(message: MailMessage, options?: SendOptions): Promise<SendResult>
}
