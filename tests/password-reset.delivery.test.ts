import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, TEST_SECRET_KEY, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { confirmReset, requestReset } from './support/password-reset'
import { registerActivatedUser } from './support/users'

// Worker rounds and password hashing: a bound against hangs, not a speed assertion.
setDefaultTimeout(60_000)

const NEW_PASSWORD = 'a brand new passphrase'
const CHEAP_HASHING = { ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '1' }
let started: TestApp[] = []
// Each test stops its instances: a worker whose clock runs days ahead would take over the next test's sends.
afterEach(async () => {
  await Promise.all(started.map((app) => app.stop()))
  started = []
})

/** Reset emails go through the worker only: every instance here runs one, from an empty queue. */
async function instance(env: Record<string, string>, clock?: ReturnType<typeof manualClock>) {
  const app = await startTestApp({
    clock: clock?.clock,
    env: { ...CHEAP_HASHING, DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '20', ...env },
    emptyQueue: true,
  })
  started.push(app)
  return app
}

type EmailEntry = { kind: string; status: string }
const resetEmails = async (app: TestApp, key: string, email: string) =>
  ((await call(app.url, 'GET', `/users/${email}/emails`, { key })).body.emails as EmailEntry[]).filter(
    (e) => e.kind === 'password_reset',
  )

describe('the per-user mail cap', () => {
  test('over the cap a request still answers 202 and its email waits, with a fresh code living from its sending', async () => {
    const time = manualClock(new Date('2033-02-10T08:00:00Z'))
    const app = await instance(
      {
        MAIL_MAX_PER_USER_PER_DAY: '2',
        RESET_TTL_SECONDS: '600',
        RESEND_INTERVAL_SECONDS: '0',
      },
      time,
    )
    const key = (await app.createServer('reset-cap')).api_key
    const user = await registerActivatedUser(app, key) // email 1 of 2
    const first = await requestReset(app, key, user.email).then((r) => r.code()) // email 2 of 2

    // A flood: every request answers 202, each replaces the code, and one email at most waits.
    for (let i = 0; i < 3; i += 1) {
      time.advance(1) // newest first, without ties
      expect((await requestReset(app, key, user.email)).reply.status).toBe(202)
    }
    await Bun.sleep(100) // worker rounds that must not send anything
    const waiting = await resetEmails(app, key, user.email)
    expect(waiting.map((e) => e.status)).toEqual(['queued', 'cancelled', 'cancelled', 'sent'])
    expect(app.mailjet.accepted.length).toBe(2)
    // The first code was replaced; the waiting one is not emailed yet, so nothing can match it.
    expect((await confirmReset(app, key, { email: user.email, code: first, password: NEW_PASSWORD })).status).toBe(410)

    time.advance(24 * 3_600 + 1) // the cap's window moves on: the waiting email goes, with a fresh code
    const code = await requestResetCodeAfterWait(app, user.email)
    expect(code).not.toBe(first)
    time.advance(599) // it lives RESET_TTL_SECONDS from that send, not from the request a day ago
    const reply = await confirmReset(app, key, { email: user.email, code, password: NEW_PASSWORD })
    expect(reply.status).toBe(200)
    expect((await resetEmails(app, key, user.email)).map((e) => e.status)).toEqual([
      'sent',
      'cancelled',
      'cancelled',
      'sent',
    ])
  })
})

/** The code of the reset email the worker sends once a cap allows it. */
async function requestResetCodeAfterWait(app: TestApp, email: string): Promise<string> {
  const resets = () => app.mailjet.accepted.filter((r) => r.body.Messages[0]?.To[0]?.Email === email).length
  await eventually(() => resets() === 3, 20_000)
  await eventually(async () => {
    const [row] = await app.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM emails WHERE recipient = ${email.toLowerCase()} AND status = 'sending'`
    return row?.n === 0
  })
  const mail = app.mailjet.lastResetMailTo(email)
  if (!mail) throw new Error('no reset email')
  return mail.code
}

describe('SECRET_KEY rotation', () => {
  test('a code emailed under the previous key still works with SECRET_KEY_PREVIOUS', async () => {
    const before = await instance({})
    const key = (await before.createServer('reset-rotation')).api_key
    const user = await registerActivatedUser(before, key)
    const code = await requestReset(before, key, user.email).then((r) => r.code())
    const after = await instance({
      SECRET_KEY: 'the-next-secret-key-0123456789abcdef',
      SECRET_KEY_PREVIOUS: TEST_SECRET_KEY,
    })
    const reply = await confirmReset(after, key, { email: user.email, code, password: NEW_PASSWORD })
    expect({ status: reply.status, body: reply.body }).toMatchObject({ status: 200 })
  })
})
