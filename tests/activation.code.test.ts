import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock, env: { ACTIVATION_TTL_SECONDS: '60', ACTIVATION_MAX_ATTEMPTS: '5' } })
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const submit = (code: string, basic: { email: string; password: string } | undefined, apiKey = key) =>
  call(app.url, 'POST', '/validation/', { key: apiKey, basic, json: { code } })

const wrongCode = (code: string) => String((Number(code) + 1) % 10_000).padStart(4, '0')

describe('POST /validation/', () => {
  test('200 activated with the right code, then already_activated; the user reads as activated', async () => {
    const user = await registerUser(app, key)
    const { code } = user.mail()
    const first = await submit(code, user.credentials)
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ status: 'activated' })
    const again = await call(app.url, 'POST', '/validation', { key, basic: user.credentials, json: { code } })
    expect(again.status).toBe(200)
    expect(again.body).toEqual({ status: 'already_activated' })
    const read = await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}`, { key })
    expect(read.body.is_activated).toBe(true)
    expect(read.body.activated_at).toBe(time.clock().toISOString())
  })

  test('the Basic email compares case-insensitively', async () => {
    const user = await registerUser(app, key)
    const reply = await submit(user.mail().code, { email: user.email.toUpperCase(), password: PASSWORD })
    expect(reply.body).toEqual({ status: 'activated' })
  })

  test('401 with a challenge: no credentials, malformed, wrong password, unknown email', async () => {
    const user = await registerUser(app, key)
    const { code } = user.mail()
    const replies = [
      await submit(code, undefined),
      await call(app.url, 'POST', '/validation/', { key, json: { code }, headers: { authorization: 'Basic !!!' } }),
      await call(app.url, 'POST', '/validation/', { key, json: { code }, headers: { authorization: `Bearer ${key}` } }),
      await submit(code, { email: user.email, password: 'wrong password' }),
      await submit(code, { email: uniqueEmail(), password: PASSWORD }),
      await submit(code, { email: 'nul\u0000@example.com', password: PASSWORD }),
    ]
    for (const reply of replies) {
      expect(reply.status).toBe(401)
      expect(reply.headers.get('www-authenticate')).toStartWith('Basic realm="')
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
    }
    // An unknown email and a wrong password get the same answer.
    expect(replies[3]?.body).toEqual(replies[4]?.body as Record<string, unknown>)
    expect((await submit(code, user.credentials)).status).toBe(200)
  })

  test('401 without the API key, and with another server’s key for this user', async () => {
    const user = await registerUser(app, key)
    const other = await app.createServer()
    expect(
      (await call(app.url, 'POST', '/validation/', { basic: user.credentials, json: { code: '0000' } })).status,
    ).toBe(401)
    expect((await submit(user.mail().code, user.credentials, other.api_key)).status).toBe(401)
  })

  test('422 for a wrong code, counting down attempts_left; burned after 5, even for the right code', async () => {
    const user = await registerUser(app, key)
    const { code } = user.mail()
    for (let left = 4; left >= 0; left -= 1) {
      const reply = await submit(wrongCode(code), user.credentials)
      expect(reply.status).toBe(422)
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
      expect(reply.body.attempts_left).toBe(left)
    }
    const right = await submit(code, user.credentials)
    expect(right.status).toBe(410)
    expect(right.headers.get('content-type')).toBe('application/problem+json')
    // The link of the burned email is burned too.
    expect((await call(app.url, 'GET', `/validation/${user.mail().token}`, { basic: user.credentials })).status).toBe(
      410,
    )
  })

  test('concurrent wrong guesses never get more than the allowed attempts', async () => {
    const user = await registerUser(app, key)
    const { code } = user.mail()
    const replies = await Promise.all(Array.from({ length: 12 }, () => submit(wrongCode(code), user.credentials)))
    expect(replies.filter((r) => r.status === 422)).toHaveLength(5)
    expect(replies.filter((r) => r.status === 410)).toHaveLength(7)
  })

  test('410 once the lifetime has passed, and not a second before', async () => {
    const user = await registerUser(app, key)
    const { code } = user.mail()
    time.advance(59)
    expect((await submit(wrongCode(code), user.credentials)).status).toBe(422)
    time.advance(1)
    const late = await submit(code, user.credentials)
    expect(late.status).toBe(410)
    expect(late.body.status).toBe(410)
  })

  test('422 naming the field for a code that is not 4 digits; no attempt is counted', async () => {
    const user = await registerUser(app, key)
    for (const code of ['123', '12345', 'abcd']) {
      const reply = await submit(code, user.credentials)
      expect(reply.status).toBe(422)
      expect(reply.body.errors).toEqual([{ field: 'code', message: expect.any(String) }])
    }
    expect((await submit(user.mail().code, user.credentials)).body).toEqual({ status: 'activated' })
  })

  test('415, 400 and 422 for bodies that are not the right JSON', async () => {
    const user = await registerUser(app, key)
    const send = (body: string, type: string) =>
      call(app.url, 'POST', '/validation/', { key, basic: user.credentials, body, headers: { 'content-type': type } })
    expect((await send('code=1234', 'application/x-www-form-urlencoded')).status).toBe(415)
    expect((await send('{"code":', 'application/json')).status).toBe(400)
    expect((await send('{"code":"1234","extra":1}', 'application/json')).status).toBe(422)
  })
})
