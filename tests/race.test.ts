import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { call } from './support/http'
import { PASSWORD, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

let app: TestApp

beforeAll(async () => {
  app = await startTestApp()
})
afterAll(() => app.stop())

test('10 identical registrations at once: one 201, nine 409, no 5xx', async () => {
  const { api_key: key } = await app.createServer()
  const email = uniqueEmail()
  const replies = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      call(app.url, 'POST', '/users/', {
        key,
        json: { email: i % 2 ? email.toUpperCase() : email, password: PASSWORD },
      }),
    ),
  )
  const statuses = replies.map((r) => r.status).sort()
  expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409])
  const [counted] = await app.sql`SELECT count(*)::int AS count FROM users WHERE lower(email) = lower(${email})`
  expect(counted?.count).toBe(1)
  expect(app.mailjet.requests.filter((r) => r.body.Messages[0]?.To[0]?.Email.toLowerCase() === email)).toHaveLength(1)
})

test('the database itself enforces one user per (server, lower(email))', async () => {
  const { name } = await app.createServer()
  const [server] = await app.sql`SELECT id FROM servers WHERE name = ${name}`
  const insert = (email: string) =>
    app.sql`INSERT INTO users (server_id, email, password_hash, time_created, time_updated)
            VALUES (${server?.id}, ${email}, '$argon2id$x', now(), now())`
  await insert('Dup@Example.com')
  expect(insert('dup@example.com')).rejects.toMatchObject({ code: '23505', constraint_name: 'users_server_email_key' })
})
