import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Credentials } from '../src/http/basic-auth'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call, type Reply } from './support/http'
import { expectLocked, LOCKOUT_LIMITS, wrongPassword } from './support/lockout'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let other: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock, env: LOCKOUT_LIMITS })
  // A second instance on the same database: the count is shared.
  other = await startTestApp({ clock: time.clock, env: LOCKOUT_LIMITS })
  key = (await app.createServer()).api_key
})
afterAll(async () => {
  await app.stop()
  await other.stop()
})

const submitCode = (credentials: Credentials, on: TestApp = app, apiKey = key) =>
  call(on.url, 'POST', '/validation/', { key: apiKey, basic: credentials, json: { code: '0000' } })
const resend = (credentials: Credentials) => call(app.url, 'POST', '/validation/resend', { key, basic: credentials })

/** Past authentication: the code's own answer (422 wrong, or 410 once the code expired or burned). */
function expectAuthenticated(reply: Reply) {
  expect([410, 422]).toContain(reply.status)
}

/** Fails `count` times with a wrong password, each a 401. */
async function fail(email: string, count: number, on: TestApp = app) {
  for (let i = 0; i < count; i += 1) expect((await submitCode(wrongPassword(email), on)).status).toBe(401)
}

describe('password guessing', () => {
  test('the 3rd wrong password locks the email: 429 with Retry-After, no hash computed, the right password too', async () => {
    const user = await registerUser(app, key)
    const first = await submitCode(wrongPassword(user.email))
    expect(first.status).toBe(401)
    expect(first.headers.get('ratelimit')).toBe('"passwords";r=2;t=900')
    await fail(user.email, 2)
    const hashes = app.verifications()
    expectLocked(await submitCode(wrongPassword(user.email)), 60)
    expectLocked(await submitCode(user.credentials), 60)
    expect(app.verifications()).toBe(hashes)
    time.advance(59)
    expectLocked(await submitCode(user.credentials), 1)
    time.advance(1)
    const through = await submitCode(user.credentials)
    expectAuthenticated(through)
    // A right password resets the count, and says so.
    expect(through.headers.get('ratelimit')).toBe('"passwords";r=3;t=0')
  })

  test('each further lock doubles the wait, up to AUTH_MAX_LOCKOUT_SECONDS', async () => {
    const user = await registerUser(app, key)
    for (const wait of [60, 120, 240, 300, 300]) {
      await fail(user.email, 3)
      expectLocked(await submitCode(user.credentials), wait)
      time.advance(wait)
    }
  })

  test('a right password resets the count and the doubling', async () => {
    const user = await registerUser(app, key)
    await fail(user.email, 3)
    time.advance(60)
    await fail(user.email, 2)
    expectAuthenticated(await submitCode(user.credentials))
    // Counted from zero again: two more failures do not lock, the third locks for the first wait again.
    await fail(user.email, 2)
    expectAuthenticated(await submitCode(user.credentials))
    await fail(user.email, 3)
    expectLocked(await submitCode(user.credentials), 60)
  })

  test('failures older than the window are forgotten', async () => {
    const user = await registerUser(app, key)
    await fail(user.email, 2)
    time.advance(900)
    await fail(user.email, 2)
    expectAuthenticated(await submitCode(user.credentials))
  })

  test('an unknown email is counted and locked the same way, with the same answers', async () => {
    const user = await registerUser(app, key)
    const nobody = uniqueEmail()
    await fail(user.email, 3)
    await fail(nobody, 3)
    const known = await submitCode(user.credentials)
    const unknown = await submitCode({ email: nobody, password: PASSWORD })
    expectLocked(known, 60)
    expectLocked(unknown, 60)
    expect(unknown.body).toEqual(known.body)
    for (const name of ['retry-after', 'ratelimit', 'ratelimit-policy', 'content-type'])
      expect(unknown.headers.get(name)).toBe(known.headers.get(name))
  })

  test('the email compares case-insensitively, and the count is per server', async () => {
    const user = await registerUser(app, key)
    await fail(user.email.toUpperCase(), 3)
    expectLocked(await submitCode(user.credentials), 60)
    const elsewhere = (await app.createServer()).api_key
    await registerUser(app, elsewhere, { email: user.email })
    expectAuthenticated(await submitCode(user.credentials, app, elsewhere))
  })

  test('one count across the three /validation routes', async () => {
    const user = await registerUser(app, key)
    const { token } = user.mail()
    expect((await resend(wrongPassword(user.email))).status).toBe(401)
    expect((await call(app.url, 'GET', `/validation/${token}`, { basic: wrongPassword(user.email) })).status).toBe(401)
    expect((await submitCode(wrongPassword(user.email))).status).toBe(401)
    expectLocked(await resend(user.credentials), 60)
    expectLocked(await call(app.url, 'GET', `/validation/${token}`, { basic: user.credentials }), 60)
  })

  test('two instances on one database share one count', async () => {
    const user = await registerUser(app, key)
    await fail(user.email, 2, app)
    await fail(user.email, 1, other)
    expectLocked(await submitCode(user.credentials, app), 60)
    expectLocked(await submitCode(user.credentials, other), 60)
  })

  test('a burst of concurrent guesses: only 401 and 429, never a 5xx; no hash once locked', async () => {
    const user = await registerUser(app, key)
    const replies = await Promise.all(Array.from({ length: 30 }, () => submitCode(wrongPassword(user.email))))
    for (const reply of replies) expect([401, 429]).toContain(reply.status)
    const hashes = app.verifications()
    const locked = await Promise.all(Array.from({ length: 30 }, () => submitCode(wrongPassword(user.email))))
    for (const reply of locked) expect(reply.status).toBe(429)
    expect(app.verifications()).toBe(hashes)
  })

  test('concurrent requests with the right password never lock their own user', async () => {
    const user = await registerUser(app, key)
    const replies = await Promise.all(Array.from({ length: 12 }, () => submitCode(user.credentials)))
    for (const reply of replies) expectAuthenticated(reply)
  })
})

describe('AUTH_LOCKED_DELAY_MS', () => {
  test('a locked answer is held that long, so a guesser that retries at once makes few requests', async () => {
    const held = await startTestApp({ clock: time.clock, env: { ...LOCKOUT_LIMITS, AUTH_LOCKED_DELAY_MS: '300' } })
    try {
      const heldKey = (await held.createServer()).api_key
      const guess = () => submitCode(wrongPassword('held@example.com'), held, heldKey)
      for (let i = 0; i < 3; i += 1) expect((await guess()).status).toBe(401)
      const started = performance.now()
      const replies = await Promise.all(Array.from({ length: 20 }, guess))
      // A lower bound (the answer waits on a timer), not a speed assertion.
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
      for (const reply of replies) expectLocked(reply, 60)
    } finally {
      await held.stop()
    }
  })
})
