import { describe, expect, test } from 'bun:test'
import { createInbox, inboxMailer } from '../src/mail/inbox'
import type { MailMessage } from '../src/mail/mailer'

const message = (text: string, subject = 'Hello'): MailMessage => ({
  from: { email: 'no-reply@localhost', name: 'local' },
  to: { email: 'ann@example.com', name: 'Ann' },
  subject,
  text,
  html: `<p>${text}</p>`,
})

describe('the dev inbox', () => {
  test('keeps emails newest first, with the code and the link found in the text', () => {
    const inbox = createInbox()
    inbox.add(
      message('Your activation code: 4821\n\nActivation link: http://localhost:8008/validation/abc_DEF-1', 'first'),
    )
    inbox.add(message('Your password reset code: 703912. It lives 15 minutes.', 'second'))
    const [newest, oldest] = inbox.list()
    expect(newest).toMatchObject({ id: 2, code: '703912', link: null })
    expect(newest?.message.subject).toBe('second')
    expect(oldest).toMatchObject({ id: 1, code: '4821', link: 'http://localhost:8008/validation/abc_DEF-1' })
  })

  test('holds a bounded number of emails, dropping the oldest', () => {
    const inbox = createInbox(3)
    for (let i = 1; i <= 5; i += 1) inbox.add(message(`number ${i}`))
    expect(inbox.list().map((email) => email.id)).toEqual([5, 4, 3])
  })

  test('its mailer keeps each email and hands it on unchanged, answering what the inner mailer answers', async () => {
    const sent: MailMessage[] = []
    const inbox = createInbox()
    const mailer = inboxMailer(
      {
        async send(m) {
          sent.push(m)
          return { outcome: 'sent', status: null, messageId: null }
        },
      },
      inbox,
    )
    const email = message('Your activation code: 1234')
    expect(await mailer.send(email)).toEqual({ outcome: 'sent', status: null, messageId: null })
    expect(sent).toEqual([email])
    expect(inbox.list()[0]?.message).toBe(email)
  })
})
