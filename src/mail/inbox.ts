import type { Mailer, MailMessage } from './mailer'

/** An email `dev` kept instead of sending it, with what a developer looks for in it. */
export interface InboxEmail {
  id: number
  receivedAt: Date
  message: MailMessage
  /** The digits after the word "code" (activation or reset), if any. */
  code: string | null
  /** The first link of the text part. */
  link: string | null
}

export interface Inbox {
  add(message: MailMessage): void
  /** Newest first. */
  list(): InboxEmail[]
}

const CODE = /\bcode\b\D{0,20}(\d{4,8})\b/i
const LINK = /https?:\/\/\S+/

/** A local mail catcher for `dev` without Mailjet keys: the last `capacity` emails, in memory. */
export function createInbox(capacity = 100): Inbox {
  const emails: InboxEmail[] = []
  let count = 0
  return {
    add(message) {
      count += 1
      emails.unshift({
        id: count,
        receivedAt: new Date(),
        message,
        code: CODE.exec(message.text)?.[1] ?? null,
        link: LINK.exec(message.text)?.[0] ?? null,
      })
      emails.length = Math.min(emails.length, capacity)
    },
    list: () => [...emails],
  }
}

/** Keeps each email in `inbox`, then hands it to `mailer` (the log driver) unchanged. */
export function inboxMailer(mailer: Mailer, inbox: Inbox): Mailer {
  return {
    send(message, options) {
      inbox.add(message)
      return mailer.send(message, options)
    },
  }
}
