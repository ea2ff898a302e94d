import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { sendsRecorded } from './support/queue'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Registrations (argon2id) and worker rounds: a bound against hangs, not a speed assertion.
setDefaultTimeout(20_000)

// Far from the real date and from the other files' emails: those are past the give-up
// age here, so the worker fails them and they count for no quota or cap.
const time = manualClock(new Date('2031-03-10T08:00:00Z'))
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({
    clock: time.clock,
    mailTimeoutMs: 300,
    env: { DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '20', MAIL_INLINE_WAIT_MS: '100' },
    emptyQueue: true,
  })
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const emailsOf = async (email: string) =>
  (await call(app.url, 'GET', `/users/${encodeURIComponent(email)}/emails`, { key })).body.emails as Record<
    string,
    unknown
  >[]

async function registerPending(email = uniqueEmail()) {
  const reply = await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
  expect(reply.status).toBe(201)
  expect(reply.body.activation_email).toBe('pending')
  return email
}

describe('each Mailjet answer maps to its outcome', () => {
  test('400 send-0003: failed at once, with the status and ErrorCode, never retried', async () => {
    app.mailjet.behave('fail-400')
    const email = await registerPending()
    const [row] = await emailsOf(email)
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: { status: 400, code: 'send-0003' } })
    expect(row?.next_attempt_at).toBeNull()
    time.advance(86_400)
    app.mailjet.behave('accept')
    await Bun.sleep(100)
    expect(app.mailjet.acceptedTo(email)).toBe(0)
  })

  test('500 then accepted after the backoff: one email, with a fresh code that works', async () => {
    app.mailjet.behave('fail-500')
    const email = await registerPending()
    const [queued] = await emailsOf(email)
    expect(queued).toMatchObject({ status: 'queued', attempts: 1, last_error: { status: 500, code: null } })
    const wait = new Date(queued?.next_attempt_at as string).getTime() - time.clock().getTime()
    expect(wait).toBeGreaterThanOrEqual(15_000)
    expect(wait).toBeLessThanOrEqual(30_000)
    const firstCode = app.mailjet.lastMailTo(email).code
    app.mailjet.behave('accept')
    time.advance(31)
    await eventually(() => app.mailjet.acceptedTo(email) === 1)
    await eventually(async () => (await emailsOf(email))[0]?.status === 'sent')
    const { code } = app.mailjet.lastMailTo(email)
    const basic = { email, password: PASSWORD }
    if (code !== firstCode)
      expect((await call(app.url, 'POST', '/validation/', { key, basic, json: { code: firstCode } })).status).toBe(422)
    expect((await call(app.url, 'POST', '/validation/', { key, basic, json: { code } })).body).toEqual({
      status: 'activated',
    })
  })

  test('429 honours Retry-After', async () => {
    app.mailjet.behave('fail-429')
    const email = await registerPending()
    const [row] = await emailsOf(email)
    expect(row?.last_error).toEqual({ status: 429, code: null })
    expect(new Date(row?.next_attempt_at as string).getTime() - time.clock().getTime()).toBeGreaterThanOrEqual(120_000)
    app.mailjet.behave('accept')
    time.advance(121)
    await eventually(() => app.mailjet.acceptedTo(email) === 1)
  })

  test('a message Status "error" in a 200 is retried, not taken as sent', async () => {
    app.mailjet.behave('message-error')
    const email = await registerPending()
    expect((await emailsOf(email))[0]).toMatchObject({ status: 'queued' })
    app.mailjet.behave('accept')
    time.advance(3_600)
    await eventually(() => app.mailjet.acceptedTo(email) === 1)
  })

  for (const [behaviour, status, code] of [
    ['fail-401', 401, 'mj-0001'],
    ['fail-403', 403, 'send-0008'],
  ] as const) {
    test(`${status} ${code}: sending pauses, /health and /metrics say so, a probe resumes it`, async () => {
      app.mailjet.behave(behaviour)
      const first = await registerPending()
      // Paused: the next registration does not even try.
      const before = app.mailjet.requests.length
      const second = await registerPending()
      expect(app.mailjet.requests.length).toBe(before)
      expect((await call(app.url, 'GET', '/health')).body).toEqual({ status: 'ok', mail: 'paused' })
      expect((await call(app.url, 'GET', '/metrics')).text).toContain('mail_paused 1')
      expect((await emailsOf(first))[0]).toMatchObject({ status: 'queued', last_error: { status, code } })

      // The probe finds the account still refused: still paused, one more request only.
      time.advance(61)
      await eventually(() => app.mailjet.requests.length === before + 1)
      expect((await call(app.url, 'GET', '/health')).body.mail).toBe('paused')

      app.mailjet.behave('accept')
      time.advance(3_600)
      await eventually(() => app.mailjet.acceptedTo(first) + app.mailjet.acceptedTo(second) === 2)
      expect(app.mailjet.acceptedTo(first)).toBe(1)
      await eventually(async () => (await call(app.url, 'GET', '/health')).body.mail === 'ok')
    })
  }
})

describe('Mailjet down for a while, then back', () => {
  test('every email queued in the window is sent exactly once, with no resend call', async () => {
    app.mailjet.behave('fail-500')
    const emails = await Promise.all(Array.from({ length: 12 }, () => registerPending()))
    time.advance(60)
    await Bun.sleep(100)
    app.mailjet.behave('accept')
    time.advance(7_200)
    await eventually(() => emails.every((email) => app.mailjet.acceptedTo(email) === 1))
    await eventually(() => sendsRecorded(app.sql, emails))
    time.advance(7_200)
    await Bun.sleep(100)
    for (const email of emails) expect(app.mailjet.acceptedTo(email)).toBe(1)
  })

  test('past MAIL_GIVE_UP_SECONDS an email is failed, and never sent', async () => {
    app.mailjet.behave('fail-500')
    const email = await registerPending()
    time.advance(86_401)
    await eventually(async () => (await emailsOf(email))[0]?.status === 'failed')
    app.mailjet.behave('accept')
    await Bun.sleep(100)
    expect(app.mailjet.acceptedTo(email)).toBe(0)
  })
})

describe('emails that must not go out', () => {
  test('a superseded email is cancelled and a deleted user’s email is never sent', async () => {
    app.mailjet.behave('fail-500')
    const kept = await registerPending()
    const deleted = await registerPending()
    time.advance(30)
    const resent = await call(app.url, 'POST', '/validation/resend', {
      key,
      basic: { email: kept, password: PASSWORD },
    })
    expect(resent.status).toBe(202)
    expect(resent.body.activation_email).toBe('pending')
    expect((await call(app.url, 'DELETE', `/users/${encodeURIComponent(deleted)}`, { key })).status).toBe(200)

    const before = app.mailjet.accepted.length
    app.mailjet.behave('accept')
    time.advance(3_600)
    await eventually(() => app.mailjet.acceptedTo(kept) === 1)
    // The replaced one is cancelled at once, or at its next claim when the worker was retrying it just then.
    await eventually(async () => (await emailsOf(kept)).map((e) => e.status).join() === 'sent,cancelled')
    await Bun.sleep(100)
    expect(app.mailjet.acceptedTo(deleted)).toBe(0)
    expect(app.mailjet.accepted.length).toBe(before + 1)
  })

  test('an email whose user was activated meanwhile (e.g. by a password reset) is cancelled', async () => {
    app.mailjet.behave('fail-500')
    const email = await registerPending()
    await app.sql`UPDATE users SET is_activated = true, activated_at = now() WHERE email = ${email}`
    app.mailjet.behave('accept')
    time.advance(3_600)
    await eventually(async () => (await emailsOf(email))[0]?.status === 'cancelled')
    expect(app.mailjet.acceptedTo(email)).toBe(0)
  })
})

describe('the request waits at most MAIL_INLINE_WAIT_MS', () => {
  test('past it, "pending"; the attempt goes on and is recorded as sent', async () => {
    app.mailjet.behave('hang')
    const email = uniqueEmail()
    const started = performance.now()
    const reply = await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
    expect(reply.body.activation_email).toBe('pending')
    expect(performance.now() - started).toBeLessThan(5_000)
    expect((await emailsOf(email))[0]).toMatchObject({ status: 'sending', attempts: 1 })
    app.mailjet.release()
    await eventually(async () => (await emailsOf(email))[0]?.status === 'sent')
    expect(app.mailjet.acceptedTo(email)).toBe(1)
  })
})

describe('GET /users/{email}/emails', () => {
  test('newest first, with the fields of the contract; 404 for an unknown user or another server’s', async () => {
    app.mailjet.behave('accept')
    const user = await registerUser(app, key)
    const list = await emailsOf(user.email.toUpperCase())
    expect(list).toEqual([
      {
        id: expect.any(String),
        kind: 'activation',
        status: 'sent',
        attempts: 1,
        created_at: expect.any(String),
        sent_at: expect.any(String),
        next_attempt_at: null,
        last_error: null,
      },
    ])
    const other = (await app.createServer()).api_key
    expect(
      (await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}/emails/`, { key: other })).status,
    ).toBe(404)
    expect((await call(app.url, 'GET', '/users/nobody%40example.com/emails', { key })).status).toBe(404)
    expect((await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}/emails`)).status).toBe(401)
  })
})

describe('GET /metrics', () => {
  test('requests by route pattern, email outcomes and queue gauges; no email in any label', async () => {
    app.mailjet.behave('accept')
    const user = await registerUser(app, key)
    await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}`, { key })
    const reply = await call(app.url, 'GET', '/metrics')
    expect(reply.status).toBe(200)
    expect(reply.headers.get('content-type')).toStartWith('text/plain')
    expect(reply.text).toContain('http_requests_total{method="GET",route="/users/:email",status="200"}')
    expect(reply.text).toContain('http_request_duration_seconds_bucket')
    expect(reply.text).toMatch(/emails_total\{outcome="sent",mailjet_status_class="2xx"\} \d+/)
    expect(reply.text).toContain('email_queue_depth')
    expect(reply.text).toContain('email_oldest_due_age_seconds')
    expect(reply.text).toContain('db_pool_max_connections 10')
    expect(reply.text).not.toContain(user.email)
  })
})

describe('shutdown past the grace', () => {
  test('a send still waiting on Mailjet is cut and its email queued again, its attempt not counted', async () => {
    // A clock of its own, years ahead: the email it queues again is due at its "now", which
    // this file's worker (on the shared clock) must not see as due and send meanwhile.
    const ahead = manualClock(new Date(time.clock().getTime() + 5 * 365 * 86_400_000))
    const other = await startTestApp({ clock: ahead.clock, env: { MAIL_INLINE_WAIT_MS: '50' } })
    try {
      const otherKey = (await other.createServer()).api_key
      other.mailjet.behave('hang')
      const email = uniqueEmail()
      await call(other.url, 'POST', '/users/', { key: otherKey, json: { email, password: PASSWORD } })
      await other.delivery.stop(50)
      const [row] = await other.sql<{ status: string; attempts: number }[]>`
        SELECT status, attempts FROM emails WHERE recipient = ${email}`
      expect(row).toEqual({ status: 'queued', attempts: 0 })
    } finally {
      other.mailjet.release()
      await other.stop()
    }
  })
})
