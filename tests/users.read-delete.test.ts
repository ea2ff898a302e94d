import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { call } from './support/http'
import { registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp()
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const path = (email: string) => `/users/${encodeURIComponent(email)}`

describe('GET /users/{email}', () => {
  test('200 with the user, found by URL-encoded email in any case, with or without trailing slash', async () => {
    const user = await registerUser(app, key, { email: uniqueEmail('Mixed.Case') })
    for (const variant of [path(user.email), path(user.email.toLowerCase()), `${path(user.email.toUpperCase())}/`]) {
      const reply = await call(app.url, 'GET', variant, { key })
      expect(reply.status).toBe(200)
      const { activation_email, ...expected } = user.reply.body
      expect(activation_email).toBe('sent')
      expect(reply.body).toEqual(expected)
    }
  })

  test('an email with + and other reserved characters round-trips', async () => {
    const user = await registerUser(app, key, { email: `ann+tag.${crypto.randomUUID().slice(0, 6)}@example.com` })
    expect((await call(app.url, 'GET', path(user.email), { key })).status).toBe(200)
  })

  test('404 for an email the server does not have', async () => {
    const reply = await call(app.url, 'GET', path(uniqueEmail()), { key })
    expect(reply.status).toBe(404)
    expect(reply.headers.get('content-type')).toBe('application/problem+json')
  })

  test('404, never a 5xx, for paths that cannot name a user', async () => {
    for (const raw of ['a%00b%40example.com', 'not-an-email', '%E0%A4%A', `${'a'.repeat(300)}%40example.com`]) {
      expect((await call(app.url, 'GET', `/users/${raw}`, { key })).status).toBe(404)
      expect((await call(app.url, 'DELETE', `/users/${raw}`, { key })).status).toBe(404)
    }
  })

  test('a server never sees another server’s users', async () => {
    const other = await app.createServer()
    const user = await registerUser(app, key)
    expect((await call(app.url, 'GET', path(user.email), { key: other.api_key })).status).toBe(404)
    expect((await call(app.url, 'DELETE', path(user.email), { key: other.api_key })).status).toBe(404)
    expect((await call(app.url, 'GET', path(user.email), { key })).status).toBe(200)
  })

  test('401 without a valid API key', async () => {
    const user = await registerUser(app, key)
    expect((await call(app.url, 'GET', path(user.email))).status).toBe(401)
    expect((await call(app.url, 'GET', path(user.email), { key: `${key}x` })).status).toBe(401)
  })
})

describe('DELETE /users/{email}', () => {
  test('200 with the deleted user; then 404; its link goes with it', async () => {
    const user = await registerUser(app, key)
    const { token } = user.mail()
    const deleted = await call(app.url, 'DELETE', path(user.email.toUpperCase()), { key })
    expect(deleted.status).toBe(200)
    expect(deleted.body.email).toBe(user.email)
    expect(deleted.body.id).toBe(user.reply.body.id)
    expect((await call(app.url, 'GET', path(user.email), { key })).status).toBe(404)
    expect((await call(app.url, 'DELETE', `${path(user.email)}/`, { key })).status).toBe(404)
    const link = await call(app.url, 'GET', `/validation/${token}`, { basic: user.credentials })
    expect(link.status).toBe(404)
    const [counted] = await app.sql`SELECT count(*)::int AS count FROM activations a
      WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id)`
    expect(counted?.count).toBe(0)
  })

  test('the email can register again after deletion', async () => {
    const user = await registerUser(app, key)
    await call(app.url, 'DELETE', path(user.email), { key })
    await registerUser(app, key, { email: user.email })
  })
})

describe('the API key → server cache', () => {
  test('a deleted server’s key stops working within a second', async () => {
    const { manualClock } = await import('./support/clock')
    const time = manualClock()
    const cached = await startTestApp({ clock: time.clock })
    try {
      const server = await cached.createServer()
      const read = () => call(cached.url, 'GET', path(uniqueEmail()), { key: server.api_key })
      expect((await read()).status).toBe(404)
      await cached.sql`DELETE FROM servers WHERE name = ${server.name}`
      time.advance(0.999)
      expect((await read()).status).toBe(404)
      time.advance(0.001)
      expect((await read()).status).toBe(401)
    } finally {
      await cached.stop()
    }
  })
})

describe('unknown routes', () => {
  test('404 as problem+json', async () => {
    const reply = await call(app.url, 'GET', '/nothing-here')
    expect(reply.status).toBe(404)
    expect(reply.headers.get('content-type')).toBe('application/problem+json')
    expect(reply.body).toMatchObject({ status: 404, title: expect.any(String), detail: expect.any(String) })
  })
})
