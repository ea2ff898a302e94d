import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Credentials } from '../src/http/basic-auth'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { basicHeader, call } from './support/http'
import { expectLocked, LOCKOUT_LIMITS, wrongPassword } from './support/lockout'
import { registerActivatedUser, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

// The count and the lock are one per (server, email), whichever route checked the
// password, on whichever instance.
const time = manualClock()
let app: TestApp
let other: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock, env: LOCKOUT_LIMITS })
  other = await startTestApp({ clock: time.clock, env: LOCKOUT_LIMITS })
  key = (await app.createServer()).api_key
})
afterAll(async () => {
  await app.stop()
  await other.stop()
})

const signIn = (basic: Credentials, on: TestApp = app) => call(on.url, 'POST', '/sign-in', { key, basic })
const changePassword = (basic: Credentials, json: unknown = { password: 'a brand new passphrase' }) =>
  call(app.url, 'PUT', `/users/${encodeURIComponent(basic.email)}/password`, { key, basic, json })
const submitCode = (basic: Credentials) => call(app.url, 'POST', '/validation/', { key, basic, json: { code: '0000' } })
const resend = (basic: Credentials) => call(app.url, 'POST', '/validation/resend', { key, basic })

describe('the password lock on /sign-in and PUT /users/{email}/password', () => {
  test('a guesser on /sign-in is locked: 429 with Retry-After, the right password too, and no hash is computed', async () => {
    const user = await registerActivatedUser(app, key)
    for (let i = 0; i < 3; i += 1) expect((await signIn(wrongPassword(user.email))).status).toBe(401)
    const hashes = app.verifications()
    expectLocked(await signIn(wrongPassword(user.email)))
    expectLocked(await signIn(user.credentials))
    expect(app.verifications()).toBe(hashes)
    time.advance(60)
    const signedIn = await signIn(user.credentials)
    expect(signedIn.status).toBe(200)
    expect(signedIn.body.last_sign_in_at).toBe(time.clock().toISOString())
  })

  test('the lock /sign-in sets holds on every route that checks a password, on every instance', async () => {
    const user = await registerUser(app, key)
    for (let i = 0; i < 3; i += 1) expect((await signIn(wrongPassword(user.email))).status).toBe(401)
    expectLocked(await submitCode(user.credentials))
    expectLocked(await resend(user.credentials))
    expectLocked(await changePassword(user.credentials))
    expectLocked(await signIn(user.credentials, other))
    time.advance(60)
  })

  test('wrong passwords on the /validation routes and on PUT count towards the lock of /sign-in', async () => {
    const user = await registerActivatedUser(app, key)
    expect((await submitCode(wrongPassword(user.email))).status).toBe(401)
    expect((await changePassword(wrongPassword(user.email))).status).toBe(401)
    expect((await resend(wrongPassword(user.email))).status).toBe(401)
    expectLocked(await signIn(user.credentials))
    expectLocked(await signIn(user.credentials, other))
    time.advance(60)
    expect((await signIn(user.credentials)).status).toBe(200)
  })

  test('an unknown email is locked the same way: 429 whether or not it exists', async () => {
    const email = uniqueEmail()
    for (let i = 0; i < 3; i += 1) expect((await signIn(wrongPassword(email))).status).toBe(401)
    expectLocked(await signIn(wrongPassword(email)))
    expectLocked(await changePassword(wrongPassword(email)))
    time.advance(60)
  })

  test('a right password resets the count', async () => {
    const user = await registerActivatedUser(app, key)
    for (let i = 0; i < 2; i += 1) expect((await signIn(wrongPassword(user.email))).status).toBe(401)
    expect((await signIn(user.credentials)).status).toBe(200)
    for (let i = 0; i < 2; i += 1) expect((await signIn(wrongPassword(user.email))).status).toBe(401)
    expect((await signIn(user.credentials)).status).toBe(200)
  })
})

describe('PUT /users/{email}/password checks the key, the credentials and the lock before the body', () => {
  const BAD_BODIES: [string, string, string][] = [
    ['unparseable JSON', '{"password":', 'application/json'],
    ['an invalid password', '{"password":"short"}', 'application/json'],
    ['a body that is not JSON', 'password=abcdefgh', 'application/x-www-form-urlencoded'],
    ['a body over 16 KiB', JSON.stringify({ password: 'y'.repeat(20_000) }), 'application/json'],
  ]
  const put = (email: string, body: string, type: string, headers: Record<string, string>) =>
    call(app.url, 'PUT', `/users/${encodeURIComponent(email)}/password`, {
      body,
      headers: { 'content-type': type, ...headers },
    })

  for (const [what, body, type] of BAD_BODIES) {
    test(`with ${what}: 401, 401, 429, then the body's own answer`, async () => {
      const user = await registerActivatedUser(app, key)
      const keyless = await put(user.email, body, type, { authorization: basicHeader(user.email, user.password) })
      expect(keyless.status).toBe(401)
      expect(keyless.body.type).toEndWith('auth.invalid_api_key')
      for (let i = 0; i < 3; i += 1) {
        const guess = await put(user.email, body, type, {
          'x-api-key': key,
          authorization: basicHeader(user.email, 'not the password'),
        })
        expect(guess.status).toBe(401)
        expect(guess.headers.get('www-authenticate')).toStartWith('Basic realm="')
        expect(guess.body.errors).toBeUndefined()
      }
      expectLocked(
        await put(user.email, body, type, { 'x-api-key': key, authorization: basicHeader(user.email, user.password) }),
      )
      time.advance(60)
      const judged = await put(user.email, body, type, {
        'x-api-key': key,
        authorization: basicHeader(user.email, user.password),
      })
      expect([400, 413, 415, 422]).toContain(judged.status)
      expect((await signIn(user.credentials)).status).toBe(200)
    })
  }
})
