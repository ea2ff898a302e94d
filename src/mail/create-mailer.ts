import type { Config } from '../config'
import type { Logger } from '../log'
import { createLogMailer } from './log.mailer'
import type { Mailer } from './mailer'
import { createMailjetMailer } from './mailjet.mailer'

/**
 * Mailjet when both keys are set; otherwise emails go to the log, with a warning that
 * says where to read them (`inboxPath`: `dev`'s inbox, which keeps them too).
 */
export function createMailer(config: Config, log: Logger, timeoutMs?: number, inboxPath?: string): Mailer {
  if (config.mailjet)
    return createMailjetMailer({
      apiUrl: config.mailjetApiUrl,
      credentials: config.mailjet,
      log,
      timeoutMs: timeoutMs ?? config.delivery.mailjetTimeoutMs,
    })
  const where = [
    inboxPath && `read them at ${inboxPath}`,
    log.enabled('info') ? 'they are written to this log' : 'set LOG_LEVEL=info to have them written to this log',
  ].filter(Boolean)
  log.warn(`MAILJET_API_KEY and MAILJET_API_SECRET are not both set: emails are not sent; ${where.join(', and ')}`)
  return createLogMailer(log)
}
