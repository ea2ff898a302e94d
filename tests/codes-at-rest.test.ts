import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { startTestApp, TEST_SECRET_KEY, type TestApp } from './support/app'
import { call } from './support/http'
import { PASSWORD, registerUser } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const NEXT_KEY = 'the-next-secret-key-0123456789abcdef'
let app: TestApp

beforeAll(async () => {
  app = await startTestApp()
})
afterAll(() => app.stop())

/** Every value of every row of every table, as a dump would show it. */
async function dump(): Promise<string[]> {
  const tables = await app.sql<{ name: string }[]>`
    SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'`
  const values: string[] = []
  for (const { name } of tables) {
    const rows = await app.sql.unsafe(`SELECT * FROM ${name}`)
    for (const row of rows)
      for (const value of Object.values(row))
        values.push(Buffer.isBuffer(value) ? value.toString('hex') : String(value))
  }
  return values
}

describe('codes at rest', () => {
  test('a dump shows no code, token, API key or password in clear', async () => {
    // A 4-digit code equals some unrelated value of a whole test database now and then (a
    // fake Mailjet's message ids run from 1001): it is looked for among the values this
    // registration added, counted as a multiset so that a leaked copy of an old value counts.
    const before = new Map<string, number>()
    for (const value of await dump()) before.set(value, (before.get(value) ?? 0) + 1)
    const server = await app.createServer()
    const user = await registerUser(app, server.api_key)
    const { code, token } = user.mail()
    const values = await dump()
    const added = values.filter((value) => {
      const left = before.get(value) ?? 0
      before.set(value, left - 1)
      return left <= 0
    })
    expect(added.length).toBeGreaterThan(0)
    expect(added).not.toContain(code)
    for (const secret of [token, server.api_key, PASSWORD])
      expect(values.filter((value) => value.includes(secret))).toEqual([])
  })

  test('the code is kept as HMAC-SHA256 under SECRET_KEY', async () => {
    const server = await app.createServer()
    const user = await registerUser(app, server.api_key)
    const [row] = await app.sql`SELECT a.code_hmac FROM activations a JOIN users u ON u.id = a.user_id
                                WHERE u.email = ${user.email}`
    const expected = createHmac('sha256', TEST_SECRET_KEY).update(`activation:${user.mail().code}`).digest()
    expect(Buffer.from(row?.code_hmac).equals(expected)).toBe(true)
  })

  test('rotating SECRET_KEY: live codes keep working with SECRET_KEY_PREVIOUS, not without', async () => {
    const rotated = await startTestApp({ env: { SECRET_KEY: NEXT_KEY, SECRET_KEY_PREVIOUS: TEST_SECRET_KEY } })
    const forgetful = await startTestApp({ env: { SECRET_KEY: NEXT_KEY } })
    try {
      const server = await app.createServer()
      const submit = (on: TestApp, credentials: { email: string; password: string }, code: string) =>
        call(on.url, 'POST', '/validation/', { key: server.api_key, basic: credentials, json: { code } })
      const kept = await registerUser(app, server.api_key)
      expect((await submit(rotated, kept.credentials, kept.mail().code)).body).toEqual({ status: 'activated' })
      const lost = await registerUser(app, server.api_key)
      expect((await submit(forgetful, lost.credentials, lost.mail().code)).status).toBe(422)
      // Codes made after the rotation use the new key.
      const fresh = await registerUser(rotated, server.api_key)
      expect((await submit(forgetful, fresh.credentials, fresh.mail().code)).body).toEqual({ status: 'activated' })
    } finally {
      await rotated.stop()
      await forgetful.stop()
    }
  })
})
