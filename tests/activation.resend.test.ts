import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { registerUser } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock, env: { RESEND_INTERVAL_SECONDS: '30', ACTIVATION_TTL_SECONDS: '60' } })
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const resend = (basic?: { email: string; password: string }, apiKey: string | null = key) =>
  call(app.url, 'POST', '/validation/resend', { key: apiKey ?? undefined, basic })

describe('POST /validation/resend', () => {
  test('202 with expires_at and activation_email; the old code answers 410 and the new one works', async () => {
    const user = await registerUser(app, key)
    const old = user.mail()
    time.advance(30)
    const reply = await resend(user.credentials)
    expect(reply.status).toBe(202)
    expect(reply.body).toEqual({ expires_at: expect.any(String), activation_email: 'sent' })
    expect(new Date(reply.body.expires_at as string).getTime()).toBe(time.clock().getTime() + 60_000)
    const fresh = user.mail()
    expect(fresh.request).not.toBe(old.request)
    const submit = (code: string) =>
      call(app.url, 'POST', '/validation/', { key, basic: user.credentials, json: { code } })
    expect((await submit(old.code)).status).toBe(old.code === fresh.code ? 200 : 410)
    if (old.code !== fresh.code) expect((await submit(fresh.code)).body).toEqual({ status: 'activated' })
  })

  test('a resent code gives a fresh lifetime and fresh attempts', async () => {
    const user = await registerUser(app, key)
    time.advance(61)
    expect((await resend(user.credentials)).status).toBe(202)
    time.advance(59)
    const reply = await call(app.url, 'POST', '/validation/', {
      key,
      basic: user.credentials,
      json: { code: user.mail().code },
    })
    expect(reply.body).toEqual({ status: 'activated' })
  })

  test('429 with Retry-After within the interval, then 202 once it has passed', async () => {
    const user = await registerUser(app, key)
    time.advance(10)
    const early = await resend(user.credentials)
    expect(early.status).toBe(429)
    expect(early.headers.get('retry-after')).toBe('20')
    expect(early.headers.get('content-type')).toBe('application/problem+json')
    time.advance(19.5)
    expect((await resend(user.credentials)).headers.get('retry-after')).toBe('1')
    time.advance(0.5)
    const onTime = await call(app.url, 'POST', '/validation/resend/', { key, basic: user.credentials })
    expect(onTime.status).toBe(202)
    expect((await resend(user.credentials)).status).toBe(429)
  })

  test('two resends at once: one 202, one 429', async () => {
    const user = await registerUser(app, key)
    time.advance(30)
    const replies = await Promise.all([resend(user.credentials), resend(user.credentials)])
    expect(replies.map((r) => r.status).sort()).toEqual([202, 429])
  })

  test('409 once activated', async () => {
    const user = await registerUser(app, key)
    await call(app.url, 'POST', '/validation/', { key, basic: user.credentials, json: { code: user.mail().code } })
    time.advance(30)
    const reply = await resend(user.credentials)
    expect(reply.status).toBe(409)
    expect(reply.headers.get('content-type')).toBe('application/problem+json')
  })

  test('401 without a key, without credentials, or with wrong ones', async () => {
    const user = await registerUser(app, key)
    time.advance(30)
    expect((await resend(user.credentials, null)).status).toBe(401)
    const noBasic = await resend(undefined)
    expect(noBasic.status).toBe(401)
    expect(noBasic.headers.get('www-authenticate')).toStartWith('Basic realm="')
    expect((await resend({ email: user.email, password: 'wrong password' })).status).toBe(401)
    expect((await resend(user.credentials, (await app.createServer()).api_key)).status).toBe(401)
  })
})
