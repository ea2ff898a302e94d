/** An email ready to go: who sends it, to whom, and its two parts. */
export interface MailMessage {
  from: { email: string; name: string }
  to: { email: string; name: string }
  subject: string
  text: string
  html: string
}

/** Resolves true when the provider accepted the message; never throws for a failed send. */
export interface Mailer {
  send(message: MailMessage): Promise<boolean>
}
