import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { parseConfig } from '../src/config'
import { createLogger } from '../src/log'
import { renderActivationEmail } from '../src/mail/activation-email'
import { createMailer } from '../src/mail/create-mailer'
import { escapeHtml } from '../src/mail/email-layout'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { PASSWORD, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let key: string

beforeAll(async () => {
  // A short Mailjet timeout stands in for the 10 s one, so the hang case does not wait 10 s.
  app = await startTestApp({ clock: time.clock, mailTimeoutMs: 300, env: { RESEND_INTERVAL_SECONDS: '30' } })
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

describe('a failed send keeps the registration, answers "pending", and a resend works', () => {
  for (const behaviour of ['fail-500', 'fail-429', 'hang'] as const) {
    test(behaviour, async () => {
      app.mailjet.behave(behaviour)
      const email = uniqueEmail()
      const basic = { email, password: PASSWORD }
      const reply = await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
      expect(reply.status).toBe(201)
      expect(reply.body.activation_email).toBe('pending')
      expect((await call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key })).status).toBe(200)

      // The queued email counts for the resend interval: a failing Mailjet is not hammered by resends.
      expect((await call(app.url, 'POST', '/validation/resend', { key, basic })).status).toBe(429)
      time.advance(30)
      const stillFailing = await call(app.url, 'POST', '/validation/resend', { key, basic })
      expect(stillFailing.status).toBe(202)
      expect(stillFailing.body.activation_email).toBe('pending')

      time.advance(30)
      app.mailjet.behave('accept')
      const resent = await call(app.url, 'POST', '/validation/resend', { key, basic })
      expect(resent.status).toBe(202)
      expect(resent.body.activation_email).toBe('sent')
      const { code } = app.mailjet.lastMailTo(email)
      const activated = await call(app.url, 'POST', '/validation/', { key, basic, json: { code } })
      expect(activated.body).toEqual({ status: 'activated' })
    })
  }
})

describe('the activation email', () => {
  const input = {
    serverName: 'Shop <&> "Co"',
    firstName: '<b>Ann</b>',
    code: '0421',
    link: 'https://x.test/validation/abc',
    ttlSeconds: 60,
  }

  test('text holds the code right after "code" and the whole link', () => {
    const { text, subject } = renderActivationEmail(input)
    expect(text).toContain('Your activation code: 0421')
    expect(text).toContain('https://x.test/validation/abc')
    expect(text).toContain('1 minute')
    expect(subject).toContain('Shop <&> "Co"')
  })

  test('HTML holds the same and escapes every user-supplied value', () => {
    const { html } = renderActivationEmail(input)
    expect(html).toContain('0421')
    expect(html).toContain('href="https://x.test/validation/abc"')
    expect(html).not.toContain('<b>Ann</b>')
    expect(html).toContain('&lt;b&gt;Ann&lt;/b&gt;')
    expect(html).toContain('Shop &lt;&amp;&gt; &quot;Co&quot;')
    expect(escapeHtml(`'`)).toBe('&#39;')
  })
})

describe('without Mailjet keys', () => {
  test('emails go to the log, after a warning', async () => {
    const lines: string[] = []
    const config = parseConfig({ MAILJET_API_KEY: 'only-the-key' })
    const mailer = createMailer(
      config,
      createLogger('info', (line) => lines.push(line)),
    )
    expect(lines.join('')).toContain('MAILJET_API_KEY')
    const result = await mailer.send({
      from: { email: 'a@b.c', name: 'local' },
      to: { email: 'ann@example.com', name: 'Ann' },
      subject: 'Activate',
      text: 'Your activation code: 1234',
      html: '<p>1234</p>',
    })
    expect(result.outcome).toBe('sent')
    expect(lines.at(-1)).toContain('Your activation code: 1234')
    expect(JSON.parse(lines.at(-1) ?? '{}').level).toBe('info')
  })
})
