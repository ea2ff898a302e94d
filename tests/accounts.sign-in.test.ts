import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { PASSWORD, registerActivatedUser, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock })
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const signIn = (basic: { email: string; password: string } | undefined, apiKey = key) =>
  call(app.url, 'POST', '/sign-in', { key: apiKey, basic })

const read = (email: string) => call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key })

describe('POST /sign-in', () => {
  test('200 with the user; last_sign_in_at is set to now, and every route shows it', async () => {
    const user = await registerActivatedUser(app, key)
    const before = await read(user.email)
    expect(before.body.last_sign_in_at).toBeNull()
    time.advance(5)
    const reply = await signIn(user.credentials)
    expect(reply.status).toBe(200)
    expect(reply.headers.get('content-type')).toContain('application/json')
    expect(reply.body).toEqual({ ...before.body, last_sign_in_at: time.clock().toISOString() })
    // A sign-in is not a change to the user.
    expect(reply.body.time_updated).toBe(before.body.time_updated)
    expect((await read(user.email)).body).toEqual(reply.body)
    expect(JSON.stringify(reply.body)).not.toContain('argon2')

    time.advance(5)
    const again = await call(app.url, 'POST', '/sign-in/', { key, basic: user.credentials })
    expect(again.status).toBe(200)
    expect(again.body.last_sign_in_at).toBe(time.clock().toISOString())
    const deleted = await call(app.url, 'DELETE', `/users/${encodeURIComponent(user.email)}`, { key })
    expect(deleted.body.last_sign_in_at).toBe(time.clock().toISOString())
  })

  test('the Basic email compares case-insensitively', async () => {
    const user = await registerActivatedUser(app, key, { email: uniqueEmail('Mixed.Case') })
    expect((await signIn({ email: user.email.toUpperCase(), password: PASSWORD })).status).toBe(200)
  })

  test('401 with a challenge: no, malformed, wrong or unknown credentials; nothing is recorded', async () => {
    const user = await registerActivatedUser(app, key)
    const replies = [
      await signIn(undefined),
      await call(app.url, 'POST', '/sign-in', { key, headers: { authorization: 'Basic !!!' } }),
      await signIn({ email: user.email, password: 'wrong password' }),
      await signIn({ email: uniqueEmail(), password: PASSWORD }),
      await signIn({ email: 'not an email', password: PASSWORD }),
    ]
    for (const reply of replies) {
      expect(reply.status).toBe(401)
      expect(reply.headers.get('www-authenticate')).toStartWith('Basic realm="')
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
    }
    // An unknown email and a wrong password get the very same answer.
    expect(replies[3]?.body).toEqual(replies[2]?.body as Record<string, unknown>)
    expect(replies[2]?.body.type).toBe('urn:registration-api:problem:auth.invalid_credentials')
    expect((await read(user.email)).body.last_sign_in_at).toBeNull()
  })

  test('401 without the API key, and with another server’s key for this user', async () => {
    const user = await registerActivatedUser(app, key)
    const other = await app.createServer()
    const keyless = await signIn(user.credentials, '')
    expect(keyless.status).toBe(401)
    expect(keyless.body.type).toBe('urn:registration-api:problem:auth.invalid_api_key')
    expect((await signIn(user.credentials, `${key}x`)).status).toBe(401)
    const elsewhere = await signIn(user.credentials, other.api_key)
    expect(elsewhere.status).toBe(401)
    expect(elsewhere.body.type).toBe('urn:registration-api:problem:auth.invalid_credentials')
  })

  test('403 user.not_activated for the right password of an inactive user; 401 for a wrong one', async () => {
    const user = await registerUser(app, key)
    const wrong = await signIn({ email: user.email, password: 'wrong password' })
    expect(wrong.status).toBe(401)
    const reply = await signIn(user.credentials)
    expect(reply.status).toBe(403)
    expect(reply.headers.get('content-type')).toBe('application/problem+json')
    expect(reply.body.type).toEndWith('user.not_activated')
    expect(reply.body).toMatchObject({ status: 403, title: expect.any(String), detail: expect.any(String) })
    expect((await read(user.email)).body.last_sign_in_at).toBeNull()
    // Once activated, the same credentials sign in.
    await call(app.url, 'POST', '/validation/', { key, basic: user.credentials, json: { code: user.mail().code } })
    expect((await signIn(user.credentials)).status).toBe(200)
  })

  test('an unknown email costs a password verification, as a wrong password does', async () => {
    // Counted, not timed: a timing under a loaded CI machine proves nothing either way. The
    // verification of an unknown email runs against a dummy hash made with the same argon2id
    // parameters (src/passwords.ts), so one more verification is the same cost.
    const user = await registerActivatedUser(app, key)
    const verificationsFor = async (email: string) => {
      const before = app.verifications()
      expect((await signIn({ email, password: 'wrong password' })).status).toBe(401)
      return app.verifications() - before
    }
    expect(await verificationsFor(user.email)).toBe(1)
    expect(await verificationsFor(uniqueEmail())).toBe(1)
    expect(await verificationsFor(uniqueEmail().toUpperCase())).toBe(1)
  })
})
