import type { Config } from '../config'
import type { Logger } from '../log'
import { createLogMailer } from './log.mailer'
import type { Mailer } from './mailer'
import { createMailjetMailer } from './mailjet.mailer'

/** Mailjet when both keys are set; otherwise emails go to the log, with a warning. */
export function createMailer(config: Config, log: Logger, timeoutMs?: number): Mailer {
  if (config.mailjet)
    return createMailjetMailer({ apiUrl: config.mailjetApiUrl, credentials: config.mailjet, log, timeoutMs })
  log.warn('MAILJET_API_KEY and MAILJET_API_SECRET are not both set: activation emails are written to this log')
  return createLogMailer(log)
}
