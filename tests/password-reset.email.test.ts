import { describe, expect, test } from 'bun:test'
import { createInbox } from '../src/mail/inbox'
import { renderPasswordResetEmail } from '../src/mail/password-reset-email'

describe('the password-reset email', () => {
  const email = renderPasswordResetEmail({
    serverName: 'shop-2024 <b>',
    firstName: 'Ann',
    code: '004821',
    ttlSeconds: 900,
  })

  test('has "code" then the 6 digits in its text part, and the same code in its HTML part', () => {
    expect(email.text).toContain('Hello Ann,')
    expect(email.text).toContain('Your password reset code: 004821')
    expect(email.text).toContain('15 minutes')
    expect(email.html).toContain('>004821</strong>')
    expect(email.subject).toBe('Reset your shop-2024 <b> password')
  })

  test('escapes the server name in HTML', () => {
    expect(email.html).toContain('shop-2024 &lt;b&gt;')
    expect(email.html).not.toContain('<b>')
  })

  test('the dev inbox reads the code, not the digits of a server name', () => {
    const inbox = createInbox()
    inbox.add({ from: { email: 'a@x', name: 'x' }, to: { email: 'b@x', name: 'b' }, ...email })
    expect(inbox.list()[0]?.code).toBe('004821')
  })
})
