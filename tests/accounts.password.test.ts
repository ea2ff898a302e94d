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

const NEW_PASSWORD = 'a brand new passphrase'

const change = (
  email: string,
  basic: { email: string; password: string } | undefined,
  json: unknown = { password: NEW_PASSWORD },
  apiKey = key,
) => call(app.url, 'PUT', `/users/${encodeURIComponent(email)}/password`, { key: apiKey, basic, json })

const signIn = (email: string, password: string) =>
  call(app.url, 'POST', '/sign-in', { key, basic: { email, password } })

describe('PUT /users/{email}/password', () => {
  test('204 with no body; the old password stops working at once, the new one works', async () => {
    const user = await registerActivatedUser(app, key)
    const before = await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}`, { key })
    time.advance(3)
    const reply = await change(user.email, user.credentials)
    expect(reply.status).toBe(204)
    expect(reply.text).toBe('')
    expect((await signIn(user.email, PASSWORD)).status).toBe(401)
    expect((await signIn(user.email, NEW_PASSWORD)).status).toBe(200)
    const after = await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}`, { key })
    expect(after.body.time_updated).toBe(time.clock().toISOString())
    expect(after.body.time_created).toBe(before.body.time_created as string)
    // Every Basic route takes the new password only.
    const resend = (password: string) =>
      call(app.url, 'POST', '/validation/resend', { key, basic: { email: user.email, password } })
    expect((await resend(PASSWORD)).status).toBe(401)
    expect((await resend(NEW_PASSWORD)).status).toBe(409)
  })

  test('an inactive user may change its password too; the path email is URL-encoded, any case', async () => {
    const user = await registerUser(app, key, { email: uniqueEmail('Ann+Tag') })
    const reply = await call(app.url, 'PUT', `/users/${encodeURIComponent(user.email.toUpperCase())}/password/`, {
      key,
      basic: { email: user.email.toLowerCase(), password: PASSWORD },
      json: { password: NEW_PASSWORD },
    })
    expect(reply.status).toBe(204)
    const code = user.mail().code
    const activate = (password: string) =>
      call(app.url, 'POST', '/validation/', { key, basic: { email: user.email, password }, json: { code } })
    expect((await activate(PASSWORD)).status).toBe(401)
    expect((await activate(NEW_PASSWORD)).status).toBe(200)
  })

  test('401 for a wrong password, no or malformed credentials, or another user’s; nothing changes', async () => {
    const user = await registerActivatedUser(app, key)
    const other = await registerActivatedUser(app, key)
    const replies = [
      await change(user.email, { email: user.email, password: 'wrong password' }),
      await change(user.email, undefined),
      await call(app.url, 'PUT', `/users/${encodeURIComponent(user.email)}/password`, {
        key,
        json: { password: NEW_PASSWORD },
        headers: { authorization: 'Basic !!!' },
      }),
      await change(user.email, other.credentials),
    ]
    for (const reply of replies) {
      expect(reply.status).toBe(401)
      expect(reply.headers.get('www-authenticate')).toStartWith('Basic realm="')
      expect(reply.body.type).toBe('urn:registration-api:problem:auth.invalid_credentials')
    }
    expect((await signIn(user.email, PASSWORD)).status).toBe(200)
    expect((await signIn(other.email, PASSWORD)).status).toBe(200)
  })

  test('401 without the API key, or with another server’s (the user is not its user)', async () => {
    const user = await registerActivatedUser(app, key)
    const other = await app.createServer()
    const keyless = await change(user.email, user.credentials, { password: NEW_PASSWORD }, '')
    expect(keyless.status).toBe(401)
    expect(keyless.body.type).toBe('urn:registration-api:problem:auth.invalid_api_key')
    const elsewhere = await change(user.email, user.credentials, { password: NEW_PASSWORD }, other.api_key)
    expect(elsewhere.status).toBe(401)
    expect(elsewhere.body.type).toBe('urn:registration-api:problem:auth.invalid_credentials')
    expect((await signIn(user.email, PASSWORD)).status).toBe(200)
  })

  test('404 when the path names no user of the server; credentials are checked first (401)', async () => {
    const user = await registerActivatedUser(app, key)
    const unknown = uniqueEmail()
    for (const path of [unknown, 'not-an-email']) {
      const reply = await change(path, user.credentials)
      expect(reply.status).toBe(404)
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
      expect(reply.body.type).toBe('urn:registration-api:problem:user.not_found')
    }
    const stranger = await change(unknown, { email: unknown, password: PASSWORD })
    expect(stranger.status).toBe(401)
    expect(stranger.body.type).toBe('urn:registration-api:problem:auth.invalid_credentials')
    expect((await signIn(user.email, PASSWORD)).status).toBe(200)
  })

  test('422 naming the field for a password that is too short, too long, missing or not a string', async () => {
    const user = await registerActivatedUser(app, key)
    for (const json of [
      { password: 'short' },
      { password: 'x'.repeat(129) },
      {},
      { password: 12345678 },
      { password: NEW_PASSWORD, extra: true },
      [],
    ]) {
      const reply = await change(user.email, user.credentials, json)
      expect(reply.status).toBe(422)
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
      expect(reply.body.errors).toEqual(
        expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]),
      )
    }
    expect((await change(user.email, user.credentials, { password: 'x'.repeat(8) })).status).toBe(204)
    expect(
      (await change(user.email, { ...user.credentials, password: 'x'.repeat(8) }, { password: 'y'.repeat(128) }))
        .status,
    ).toBe(204)
  })

  test('400, 413 and 415 for bodies that are not JSON, too large or malformed', async () => {
    const user = await registerActivatedUser(app, key)
    const send = (body: string, type: string) =>
      call(app.url, 'PUT', `/users/${encodeURIComponent(user.email)}/password`, {
        key,
        basic: user.credentials,
        body,
        headers: { 'content-type': type },
      })
    expect((await send('password=abcdefgh', 'application/x-www-form-urlencoded')).status).toBe(415)
    expect((await send('{"password":', 'application/json')).status).toBe(400)
    expect((await send(JSON.stringify({ password: 'x'.repeat(20_000) }), 'application/json')).status).toBe(413)
    expect((await signIn(user.email, PASSWORD)).status).toBe(200)
  })

  test('two changes racing with the same old password: one wins, the other gets 401', async () => {
    const user = await registerActivatedUser(app, key)
    const candidates = ['first new password', 'second new password', 'third new password']
    const replies = await Promise.all(candidates.map((password) => change(user.email, user.credentials, { password })))
    const won = replies.flatMap((reply, i) => (reply.status === 204 ? [candidates[i] ?? ''] : []))
    expect(won).toHaveLength(1)
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(candidates.length - 1)
    for (const password of candidates)
      expect((await signIn(user.email, password)).status).toBe(password === won[0] ? 200 : 401)
  })
})
