import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { confirmReset, requestReset } from './support/password-reset'
import { registerActivatedUser, registerUser, uniqueEmail } from './support/users'

// Registrations and resets hash passwords: a bound against hangs, not a speed assertion.
setDefaultTimeout(30_000)

const NEW_PASSWORD = 'a brand new passphrase'
const CHEAP_HASHING = { ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '1' }
const WORKER = { DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '20' }

let app: TestApp
let key: string
beforeAll(async () => {
  // Reset emails go through the worker only.
  app = await startTestApp({ env: { ...CHEAP_HASHING, ...WORKER }, emptyQueue: true })
  key = (await app.createServer('reset')).api_key
})
afterAll(() => app.stop())

const signIn = (credentials: { email: string; password: string }) =>
  call(app.url, 'POST', '/sign-in', { key, basic: credentials })

describe('POST /password-reset/', () => {
  test('202 {"status":"accepted"} for a user and for an unknown email alike; only the user gets an email', async () => {
    const user = await registerActivatedUser(app, key)
    const stranger = uniqueEmail('stranger')
    const known = await requestReset(app, key, user.email)
    const unknown = await requestReset(app, key, stranger)
    for (const { reply } of [known, unknown]) {
      expect(reply.status).toBe(202)
      expect(reply.headers.get('content-type')).toStartWith('application/json')
      expect(reply.text).toBe('{"status":"accepted"}')
    }
    const code = await known.code()
    expect(code).toMatch(/^\d{6}$/)
    const mail = app.mailjet.lastResetMailTo(user.email)?.request.body.Messages[0]
    expect(mail?.Subject).toContain('Reset your')
    expect(mail?.TextPart).toContain(`code: ${code}`)
    expect(mail?.HTMLPart).toContain(code)
    expect(mail?.From.Name).toStartWith('reset-')
    expect(app.mailjet.requests.filter((r) => r.body.Messages[0]?.To[0]?.Email === stranger)).toEqual([])
    const emails = await call(app.url, 'GET', `/users/${user.email}/emails`, { key })
    expect((emails.body.emails as { kind: string; status: string }[])[0]).toMatchObject({
      kind: 'password_reset',
      status: 'sent',
    })
  })

  test('the code is stored only as an HMAC', async () => {
    const user = await registerActivatedUser(app, key)
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    const rows = await app.sql<{ code_hmac: Buffer }[]>`
      SELECT code_hmac FROM password_resets WHERE email = ${user.email.toLowerCase()}`
    expect(rows.length).toBe(1)
    expect(rows[0]?.code_hmac.length).toBe(32)
    expect(rows[0]?.code_hmac.toString('hex')).not.toContain(Buffer.from(code).toString('hex'))
  })

  test('an unknown email answers in about the same time as a user', async () => {
    const user = await registerActivatedUser(app, key)
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
    const known: number[] = []
    const unknown: number[] = []
    // The request's path alone is timed. This process also runs the worker, which the user's
    // NOTIFY wakes at the commit to claim and send in the same event loop as the answer (and
    // the fake Mailjet): under load that put the user's median at 2.7 times the other's.
    // Stopped, it sends the queued email when started again (and cancels the replaced ones).
    await app.delivery.stop(5_000)
    try {
      for (let i = 0; i < 15; i += 1) {
        let started = performance.now()
        expect((await requestReset(app, key, user.email)).reply.status).toBe(202)
        known.push(performance.now() - started)
        started = performance.now()
        expect((await requestReset(app, key, uniqueEmail('nobody'))).reply.status).toBe(202)
        unknown.push(performance.now() - started)
      }
    } finally {
      await app.delivery.startWorker()
    }
    // Both ways within a factor of 2: medians of interleaved pairs, so load slows both alike.
    expect(median(unknown)).toBeGreaterThan(median(known) / 2)
    expect(median(known)).toBeGreaterThan(median(unknown) / 2)
    // With the worker back, the user's reset email goes out.
    expect(await requestReset(app, key, user.email).then((r) => r.code())).toMatch(/^\d{6}$/)
  })

  test('401 without a valid API key, before the body is looked at; 422 for an invalid email; 400 and 415', async () => {
    const keyless = await call(app.url, 'POST', '/password-reset/', { body: '{', headers: { 'content-type': 'x' } })
    expect(keyless.status).toBe(401)
    expect(keyless.body.type).toEndWith('auth.invalid_api_key')
    const wrongKey = await call(app.url, 'POST', '/password-reset/', { key: 'nope', json: { email: 'x' } })
    expect(wrongKey.status).toBe(401)
    const invalid = await call(app.url, 'POST', '/password-reset/', { key, json: { email: 'not an email', x: 1 } })
    expect(invalid.status).toBe(422)
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['email', 'x'])
    const raw = (body: string, type: string) =>
      call(app.url, 'POST', '/password-reset/', { key, body, headers: { 'content-type': type } })
    expect((await raw('{', 'application/json')).status).toBe(400)
    expect((await raw('email', 'text/plain')).status).toBe(415)
  })

  test('Idempotency-Key: a retry gets the first answer and sends no second email; another body answers 422', async () => {
    const user = await registerActivatedUser(app, key)
    const headers = { 'idempotency-key': crypto.randomUUID() }
    const first = await requestReset(app, key, user.email, { headers })
    const code = await first.code()
    const retry = await call(app.url, 'POST', '/password-reset/', { key, json: { email: user.email }, headers })
    expect(retry.status).toBe(202)
    expect(retry.text).toBe('{"status":"accepted"}')
    expect(retry.headers.get('idempotency-replayed')).toBe('true')
    const other = await call(app.url, 'POST', '/password-reset/', { key, json: { email: uniqueEmail() }, headers })
    expect(other.status).toBe(422)
    expect(other.body.type).toEndWith('idempotency.key_reused')
    // The first code still works: the retry replaced nothing.
    const reset = await confirmReset(app, key, { email: user.email, code, password: NEW_PASSWORD })
    expect(reset.status).toBe(200)
    const resets = app.mailjet.accepted.filter((r) => r.body.Messages[0]?.To[0]?.Email === user.email).length
    expect(resets).toBe(2) // the activation email and one reset email
  })
})

describe('POST /password-reset/confirm', () => {
  test('200 the user; the new password works at once and the old one stops', async () => {
    const user = await registerActivatedUser(app, key)
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    const reply = await confirmReset(app, key, { email: user.email.toUpperCase(), code, password: NEW_PASSWORD })
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ email: user.email, is_activated: true })
    expect(reply.body).not.toHaveProperty('password_hash')
    expect((await signIn(user.credentials)).status).toBe(401)
    expect((await signIn({ email: user.email, password: NEW_PASSWORD })).status).toBe(200)
    // Used: the same code again is gone.
    const again = await confirmReset(app, key, { email: user.email, code, password: 'yet another one' })
    expect(again.status).toBe(410)
    expect(again.body.type).toEndWith('password_reset.gone')
  })

  test('an inactive user is activated by a reset: the code proves the address', async () => {
    const user = await registerUser(app, key)
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    const reply = await confirmReset(app, key, { email: user.email, code, password: NEW_PASSWORD })
    expect(reply.status).toBe(200)
    expect(reply.body.is_activated).toBe(true)
    expect(reply.body.activated_at).toEqual(expect.any(String))
    expect((await signIn({ email: user.email, password: NEW_PASSWORD })).status).toBe(200)
  })

  test('wrong codes count down to a burned code (410, the right code included); an unknown email answers alike', async () => {
    const user = await registerActivatedUser(app, key)
    const stranger = uniqueEmail('stranger')
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    await requestReset(app, key, stranger)
    const wrong = code === '000000' ? '000001' : '000000'
    const answers = async (email: string) => {
      const seen: { status: number; body: Record<string, unknown> }[] = []
      for (let i = 0; i < 6; i += 1) {
        const reply = await confirmReset(app, key, { email, code: wrong, password: NEW_PASSWORD })
        seen.push({ status: reply.status, body: reply.body })
      }
      return seen
    }
    const known = await answers(user.email)
    expect(known.map((a) => a.status)).toEqual([422, 422, 422, 422, 422, 410])
    expect(known.map((a) => a.body.attempts_left)).toEqual([4, 3, 2, 1, 0, undefined])
    expect(known[0]?.body.type).toEndWith('password_reset.wrong_code')
    expect(await answers(stranger)).toEqual(known)
    const burned = await confirmReset(app, key, { email: user.email, code, password: NEW_PASSWORD })
    expect(burned.status).toBe(410)
    expect((await signIn(user.credentials)).status).toBe(200)
  })

  test('guesses sent at once cannot get past the attempt limit, and a right code is used once', async () => {
    const user = await registerActivatedUser(app, key)
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    const wrong = code === '999999' ? '999998' : '999999'
    const guesses = await Promise.all(
      Array.from({ length: 12 }, () =>
        confirmReset(app, key, { email: user.email, code: wrong, password: NEW_PASSWORD }),
      ),
    )
    const statuses = guesses.map((g) => g.status)
    expect(statuses.filter((s) => s === 422).length).toBe(app.config.activationMaxAttempts)
    expect(statuses.filter((s) => s === 410).length).toBe(12 - app.config.activationMaxAttempts)
    const other = await registerActivatedUser(app, key)
    const otherCode = await requestReset(app, key, other.email).then((r) => r.code())
    const twice = await Promise.all(
      [1, 2].map(() => confirmReset(app, key, { email: other.email, code: otherCode, password: NEW_PASSWORD })),
    )
    expect(twice.map((r) => r.status).sort()).toEqual([200, 410])
  })

  test('an email that never asked answers 422 with every attempt left, user or not', async () => {
    const user = await registerActivatedUser(app, key)
    for (const email of [user.email, uniqueEmail('never')]) {
      const reply = await confirmReset(app, key, { email, code: '123456', password: NEW_PASSWORD })
      expect({ status: reply.status, left: reply.body.attempts_left }).toEqual({ status: 422, left: 5 })
    }
  })

  test('a newer request replaces the code: the first answers 410, the second works', async () => {
    const user = await registerActivatedUser(app, key)
    const first = await requestReset(app, key, user.email).then((r) => r.code())
    const second = await requestReset(app, key, user.email).then((r) => r.code())
    if (first === second) return // one chance in a million
    const replaced = await confirmReset(app, key, { email: user.email, code: first, password: NEW_PASSWORD })
    expect(replaced.status).toBe(410)
    const reply = await confirmReset(app, key, { email: user.email, code: second, password: NEW_PASSWORD })
    expect(reply.status).toBe(200)
  })

  test('a reset lifts the password lock that guessing put on the email', async () => {
    const user = await registerActivatedUser(app, key)
    for (let i = 0; i < app.config.auth.maxFailures; i += 1)
      await signIn({ email: user.email, password: 'a wrong guess' })
    expect((await signIn(user.credentials)).status).toBe(429)
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    expect((await confirmReset(app, key, { email: user.email, code, password: NEW_PASSWORD })).status).toBe(200)
    expect((await signIn({ email: user.email, password: NEW_PASSWORD })).status).toBe(200)
  })

  test('PUT /users/{email}/password revokes the live reset code', async () => {
    const user = await registerActivatedUser(app, key)
    const code = await requestReset(app, key, user.email).then((r) => r.code())
    const changed = await call(app.url, 'PUT', `/users/${user.email}/password`, {
      key,
      basic: user.credentials,
      json: { password: NEW_PASSWORD },
    })
    expect(changed.status).toBe(204)
    const reply = await confirmReset(app, key, { email: user.email, code, password: 'someone else now' })
    expect(reply.status).toBe(410)
    expect((await signIn({ email: user.email, password: NEW_PASSWORD })).status).toBe(200)
  })

  test('401 without a valid API key, before the body; 422 for invalid fields', async () => {
    const keyless = await call(app.url, 'POST', '/password-reset/confirm', { json: { nonsense: true } })
    expect(keyless.status).toBe(401)
    const invalid = await call(app.url, 'POST', '/password-reset/confirm', {
      key,
      json: { email: 'a@example.com', code: '1234', password: 'short' },
    })
    expect(invalid.status).toBe(422)
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['code', 'password'])
  })
})

describe('expiry', () => {
  test(`a code lives RESET_TTL_SECONDS from its sending, then answers 410`, async () => {
    const time = manualClock(new Date('2031-03-01T10:00:00Z'))
    const timed = await startTestApp({
      clock: time.clock,
      env: { ...CHEAP_HASHING, ...WORKER, RESET_TTL_SECONDS: '120' },
      emptyQueue: true,
    })
    try {
      const timedKey = (await timed.createServer('reset-ttl')).api_key
      const [early, late] = [await registerActivatedUser(timed, timedKey), await registerActivatedUser(timed, timedKey)]
      const earlyCode = await requestReset(timed, timedKey, early.email).then((r) => r.code())
      const lateCode = await requestReset(timed, timedKey, late.email).then((r) => r.code())
      time.advance(119)
      const inTime = await confirmReset(timed, timedKey, {
        email: early.email,
        code: earlyCode,
        password: NEW_PASSWORD,
      })
      expect(inTime.status).toBe(200)
      time.advance(1)
      const expired = await confirmReset(timed, timedKey, { email: late.email, code: lateCode, password: NEW_PASSWORD })
      expect(expired.status).toBe(410)
      expect(expired.body.type).toEndWith('password_reset.gone')
    } finally {
      await timed.stop()
    }
  })
})
