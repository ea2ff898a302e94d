import type { Logger } from '../log'
import type { Mailer } from './mailer'

/** Used when no Mailjet keys are set: the email, code and link included, goes to the log so a developer can act on it. */
export function createLogMailer(log: Logger): Mailer {
  return {
    async send(message) {
      log.info('email not sent (no Mailjet keys); its text follows', {
        to: message.to.email,
        subject: message.subject,
        text: message.text,
      })
      return { outcome: 'sent', status: null, messageId: null }
    },
  }
}
