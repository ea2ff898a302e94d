import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, TEST_SECRET_KEY, type TestApp } from './support/app'
import { freePort, testDatabaseUrl } from './support/database'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { runScript, startScript } from './support/process'
import { PASSWORD, uniqueEmail } from './support/users'

// Each command is a process of its own: a bound against hangs, not a speed assertion.
setDefaultTimeout(30_000)

const db = () => ({ DATABASE_URL: testDatabaseUrl() })
const uniqueName = () => `cli-share-${crypto.randomUUID().slice(0, 8)}`
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')

let app: TestApp
beforeAll(async () => {
  app = await startTestApp()
})
afterAll(() => app.stop())

describe('bun run servers --mail-per-day', () => {
  test('create with a share, see it listed, change it, remove it', async () => {
    const name = uniqueName()
    const created = await runScript(['servers', 'create', name, '--mail-per-day', '50'], db())
    expect(created.code).toBe(0)
    expect(json(created.stdout)).toEqual({
      id: expect.any(String),
      name,
      api_key: expect.any(String),
      mail_per_day: 50,
    })
    const listed = (await runScript(['servers', 'list'], db())).stdout.split('\n').find((l) => l.includes(name))
    expect(JSON.parse(listed ?? '{}').mail_per_day).toBe(50)

    const updated = await runScript(['servers', 'update', name, '--mail-per-day', '5'], db())
    expect(updated.code).toBe(0)
    expect(json(updated.stdout)).toMatchObject({ name, mail_per_day: 5 })
    expect(json((await runScript(['servers', 'update', name, '--mail-per-day', 'none'], db())).stdout)).toMatchObject({
      mail_per_day: null,
    })
    await runScript(['servers', 'delete', name], db())
  })

  test('an unknown server: exit 1; a bad value or no setting: usage, exit 2', async () => {
    const unknown = await runScript(['servers', 'update', uniqueName(), '--mail-per-day', '5'], db())
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no server named')
    const bad = await runScript(['servers', 'create', uniqueName(), '--mail-per-day', 'lots'], db())
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--mail-per-day')
    expect((await runScript(['servers', 'update', uniqueName()], db())).code).toBe(2)
    expect((await runScript(['servers', 'create', uniqueName(), '--colour', 'red'], db())).code).toBe(2)
  })
})

describe('bun run emails', () => {
  test('the queue: counts by status, the oldest due, the pause state; retry queues a failed email again', async () => {
    const key = (await app.createServer()).api_key
    app.mailjet.behave('fail-400')
    const email = uniqueEmail('cli')
    await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
    app.mailjet.behave('accept')
    const [failed] = await app.sql<{ id: string }[]>`SELECT id FROM emails WHERE recipient = ${email}`

    const listed = await runScript(['emails'], db())
    expect(listed.code).toBe(0)
    const state = json(listed.stdout)
    expect(state.counts.failed).toBeGreaterThanOrEqual(1)
    expect(state).toHaveProperty('oldest_due_at')
    expect(state).toMatchObject({ paused: null, sent_today: expect.any(Number), sent_this_month: expect.any(Number) })

    const retried = await runScript(['emails', 'retry', failed?.id ?? ''], db())
    expect(retried.code).toBe(0)
    expect(json(retried.stdout)).toEqual({ requeued: 1 })
    const [row] = await app.sql`SELECT status FROM emails WHERE id = ${failed?.id ?? ''}`
    expect(row?.status).toBe('queued')

    const again = await runScript(['emails', 'retry', failed?.id ?? ''], db())
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('no failed email')
    expect((await runScript(['emails', 'retry', '--failed'], db())).code).toBe(0)
    expect((await runScript(['emails', 'retry', 'not-an-id'], db())).code).toBe(2)
    expect((await runScript(['emails', 'resend'], db())).code).toBe(2)
  })
})

describe('LISTEN/NOTIFY', () => {
  test('emails queued again by `bun run emails retry` wake a worker at once, long before its next poll', async () => {
    const worker = await startTestApp({ env: { DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '60000' } })
    try {
      const key = (await worker.createServer()).api_key
      worker.mailjet.behave('fail-400')
      const email = uniqueEmail('notify')
      await call(worker.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
      const [failed] = await worker.sql<{ id: string }[]>`SELECT id FROM emails WHERE recipient = ${email}`
      worker.mailjet.behave('accept')
      expect((await runScript(['emails', 'retry', failed?.id ?? ''], db())).code).toBe(0)
      await eventually(() => worker.mailjet.acceptedTo(email) === 1, 10_000)
    } finally {
      await worker.stop()
    }
  })
})

describe('configuration', () => {
  for (const [name, value] of [
    ['MAIL_DAILY_LIMIT', 'lots'],
    ['DELIVERY_WORKER', 'sometimes'],
    ['MAIL_INLINE_WAIT_MS', '-1'],
    ['METRICS_PORT', 'x'],
  ] as const) {
    test(`a bad ${name}: one line naming it, exit 1`, async () => {
      const result = await runScript(['start'], { ...db(), [name]: value })
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toContain(name)
    })
  }

  test('METRICS_PORT serves /metrics there and not on PORT; METRICS=off serves it nowhere', async () => {
    const metricsPort = await freePort()
    const env = { ...db(), PORT: '0', HOST: '127.0.0.1', DELIVERY_WORKER: 'off', SECRET_KEY: TEST_SECRET_KEY }
    const apart = await startScript(['start'], { ...env, METRICS_PORT: String(metricsPort) }, /"listening"/)
    try {
      const url = /"url":"([^"]+)"/.exec(apart.output())?.[1] ?? ''
      expect((await call(url, 'GET', '/metrics')).status).toBe(404)
      const scraped = await call(`http://127.0.0.1:${metricsPort}`, 'GET', '/metrics')
      expect(scraped.status).toBe(200)
      expect(scraped.text).toContain('email_queue_depth')
    } finally {
      apart.child.kill('SIGTERM')
      await apart.child.exited
    }
    const off = await startScript(['start'], { ...env, METRICS: 'off' }, /"listening"/)
    try {
      const url = /"url":"([^"]+)"/.exec(off.output())?.[1] ?? ''
      expect((await call(url, 'GET', '/metrics')).status).toBe(404)
    } finally {
      off.child.kill('SIGTERM')
      await off.child.exited
    }
  })
})
