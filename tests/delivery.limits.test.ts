import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { describeQueue, sendsRecorded } from './support/queue'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Several registrations (argon2id) and worker rounds per test: a bound against hangs, not a speed assertion.
setDefaultTimeout(60_000)

const started: TestApp[] = []
afterAll(() => Promise.all(started.map((app) => app.stop())))

/** An instance with its own fake Mailjet and a delivery worker, on the shared test database. */
async function instance(clock: ReturnType<typeof manualClock>, env: Record<string, string> = {}) {
  const app = await startTestApp({
    clock: clock.clock,
    env: { DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '20', ...env },
    emptyQueue: true,
  })
  started.push(app)
  return app
}

const register = (app: TestApp, key: string, email: string) =>
  call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })

describe('MAIL_DAILY_LIMIT', () => {
  test('holds across two instances, and the queue resumes in the next UTC day', async () => {
    // A day of its own, so the other tests' emails do not count.
    const time = manualClock(new Date('2032-05-20T22:00:00Z'))
    const env = { MAIL_DAILY_LIMIT: '3', MAIL_MONTHLY_LIMIT: '1000' }
    const [a, b] = [await instance(time, env), await instance(time, env)]
    if (!a || !b) throw new Error('no instances')
    const key = (await a.createServer()).api_key
    const emails = Array.from({ length: 7 }, () => uniqueEmail('quota'))
    const replies = await Promise.all(emails.map((email, i) => register(i % 2 ? a : b, key, email)))
    expect(replies.map((r) => r.status)).toEqual(emails.map(() => 201))
    const sent = () => emails.filter((email) => a.mailjet.acceptedTo(email) + b.mailjet.acceptedTo(email) === 1).length
    const recorded = () => sendsRecorded(a.sql, emails)
    const explain = async () =>
      `accepted ${JSON.stringify(emails.map((e) => [a.mailjet.acceptedTo(e), b.mailjet.acceptedTo(e)]))}, ${await describeQueue(a.sql, emails)}`
    await eventually(() => sent() >= 3, 20_000, explain)
    expect(sent()).toBe(3)
    await eventually(recorded)
    expect(replies.filter((r) => r.body.activation_email === 'sent').length).toBeLessThanOrEqual(3)
    expect((await call(a.url, 'GET', '/health')).body).toEqual({ status: 'ok', mail: 'quota' })
    expect((await call(b.url, 'GET', '/metrics')).text).toContain('mail_quota_reached 1')

    time.advance(3_600) // 23:00: same day, nothing more
    await Bun.sleep(150)
    expect(sent()).toBe(3)

    time.advance(3_600) // 00:00 the next day
    await eventually(() => sent() >= 6, 20_000, explain)
    expect(sent()).toBe(6)
    await eventually(recorded)
    time.advance(86_400)
    await eventually(() => sent() >= 7, 20_000, explain)
    expect(sent()).toBe(7)
    for (const email of emails) expect(a.mailjet.acceptedTo(email) + b.mailjet.acceptedTo(email)).toBe(1)
  })
  test('counts only its own day: emails of a later day (a clock set back) leave today alone', async () => {
    const env = { MAIL_DAILY_LIMIT: '1', MAIL_MONTHLY_LIMIT: '1000' }
    const later = await instance(manualClock(new Date('2032-06-11T09:00:00Z')), env)
    const today = await instance(manualClock(new Date('2032-06-10T09:00:00Z')), env)
    const key = (await later.createServer()).api_key
    expect((await register(later, key, uniqueEmail())).body.activation_email).toBe('sent')
    expect((await register(today, key, uniqueEmail())).body.activation_email).toBe('sent')
  })
})

describe('a server’s share of the daily quota', () => {
  test('--mail-per-day holds one server back without touching the others', async () => {
    const time = manualClock(new Date('2032-07-01T09:00:00Z'))
    const app = await instance(time)
    const { servers } = app
    const small = await servers.create(`share-${crypto.randomUUID().slice(0, 8)}`, { mailPerDay: 1 })
    const other = (await app.createServer()).api_key
    expect(small.mail_per_day).toBe(1)
    const first = await register(app, small.api_key, uniqueEmail())
    const second = await register(app, small.api_key, uniqueEmail())
    const elsewhere = await register(app, other, uniqueEmail())
    expect([first.body.activation_email, second.body.activation_email, elsewhere.body.activation_email]).toEqual([
      'sent',
      'pending',
      'sent',
    ])
    time.advance(86_400)
    await eventually(() => app.mailjet.acceptedTo(second.body.email as string) === 1)
    expect(await servers.update(small.name, { mailPerDay: null })).toMatchObject({ mail_per_day: null })
  })
})

describe('caps per address', () => {
  test('resend over MAIL_MAX_PER_USER_PER_DAY: 429 with Retry-After; deleting and registering again does not reset it', async () => {
    const time = manualClock(new Date('2032-09-01T12:00:00Z'))
    const app = await instance(time, { MAIL_MAX_PER_USER_PER_DAY: '2', RESEND_INTERVAL_SECONDS: '30' })
    const key = (await app.createServer()).api_key
    const user = await registerUser(app, key)
    time.advance(30)
    const resend = () => call(app.url, 'POST', '/validation/resend', { key, basic: user.credentials })
    expect((await resend()).body.activation_email).toBe('sent')
    time.advance(30)
    const capped = await resend()
    expect(capped.status).toBe(429)
    expect(capped.headers.get('content-type')).toBe('application/problem+json')
    expect(capped.headers.get('retry-after')).toBe(String(86_400 - 60))

    expect((await call(app.url, 'DELETE', `/users/${encodeURIComponent(user.email)}`, { key })).status).toBe(200)
    const again = await register(app, key, user.email.toUpperCase())
    expect(again.status).toBe(201)
    expect(again.body.activation_email).toBe('pending')
    await Bun.sleep(100)
    expect(app.mailjet.acceptedTo(user.email.toUpperCase())).toBe(0)
    time.advance(86_400)
    await eventually(() => app.mailjet.acceptedTo(user.email.toUpperCase()) === 1)
  })

  test('MAIL_MAX_PER_ADDRESS_PER_DAY counts every server: the next one waits, never dropped', async () => {
    const time = manualClock(new Date('2032-10-01T12:00:00Z'))
    const app = await instance(time, { MAIL_MAX_PER_ADDRESS_PER_DAY: '2' })
    const email = uniqueEmail('shared')
    const statuses = []
    for (let i = 0; i < 3; i += 1) {
      const reply = await register(app, (await app.createServer()).api_key, email)
      statuses.push(reply.body.activation_email)
    }
    expect(statuses).toEqual(['sent', 'sent', 'pending'])
    time.advance(86_400)
    await eventually(() => app.mailjet.acceptedTo(email) === 3)
  })
})

describe('the claim’s plan', () => {
  type Node = { 'Node Type': string; 'Actual Rows': number; Plans?: Node[] }
  const nodes = (node: Node): Node[] => [node, ...(node.Plans ?? []).flatMap(nodes)]

  /** The request's own claim, planned and run (then rolled back) beside its server's 20,000 emails of earlier days. */
  async function ownClaimPlan(app: TestApp, mailPerDay: number | null): Promise<Node> {
    const server = await app.createServer()
    const now = new Date('2032-11-01T12:00:00Z')
    const claim = (await Statements.load(QUERIES_DIR)).get('emails/claim_due_emails')
    // Rolled back: the server's emails would be other tests' history otherwise.
    const plan = await app.sql
      .begin(async (tx) => {
        await tx`UPDATE servers SET mail_per_day = ${mailPerDay} WHERE id = ${server.id}`
        const [user] = await tx`
          INSERT INTO users (server_id, email, password_hash, time_created, time_updated)
          VALUES (${server.id}, 'planned@example.com', '$argon2id$planned', ${now}, ${now}) RETURNING id`
        await tx`
          INSERT INTO emails (kind, server_id, user_id, recipient, status, attempts, created_at, queued_at,
                              next_attempt_at, sent_at)
          SELECT 'activation', ${server.id}, ${user?.id}, 'other.' || n || '@example.com', 'sent', 1, at, at, at, at
          FROM generate_series(1, 20000) AS n,
               LATERAL (SELECT timestamptz '2032-11-01' - n * interval '1 minute' AS at) AS times`
        const [own] = await tx`
          INSERT INTO emails (kind, server_id, user_id, recipient, status, created_at, queued_at, next_attempt_at)
          VALUES ('activation', ${server.id}, ${user?.id}, 'planned@example.com', 'queued', ${now}, ${now}, ${now})
          RETURNING id`
        // No ANALYZE: statistics that lag behind a server's growth make its index look selective.
        // The plan the service runs: its statements are prepared, so PostgreSQL settles on a generic one.
        await tx`SET LOCAL plan_cache_mode = force_generic_plan`
        await tx.unsafe(`PREPARE own_claim AS ${claim.text.replace(/^--.*$/gm, '')}`)
        const literal = (v: unknown) => (v === null ? 'NULL' : Array.isArray(v) ? `'{}'` : `'${String(v)}'`)
        const params = [now.toISOString(), new Date(now.getTime() + 30_000).toISOString(), 'planner', 1, [], []]
        const rest = [own?.id, false, null, null, '2032-11-01T00:00:00Z', '2032-11-01T00:00:00Z', 5, 10, 300, []]
        const [explained] = await tx.unsafe(
          `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE own_claim(${[...params, ...rest].map(literal).join(', ')})`,
        )
        // A prepared statement outlives the transaction; the pool's connection must not keep it.
        await tx`DEALLOCATE own_claim`
        throw Object.assign(new Error('rolled back'), { plan: explained?.['QUERY PLAN'] })
      })
      .catch((error: { plan?: unknown }) => {
        if (!error.plan) throw error
        return error.plan
      })
    return (plan as [{ Plan: Node }])[0].Plan
  }

  test('the request’s own claim reads its address’s emails and its server’s of today, never all of its server’s', async () => {
    const app = await startTestApp()
    started.push(app)
    for (const mailPerDay of [null, 1_000]) {
      const plan = await ownClaimPlan(app, mailPerDay)
      // The email was claimed, and no step of the plan read more than a handful of rows.
      expect({ mailPerDay, claimed: plan['Actual Rows'] }).toEqual({ mailPerDay, claimed: 1 })
      const read = Math.max(...nodes(plan).map((node) => node['Actual Rows']))
      expect({ mailPerDay, read: read < 100 }).toEqual({ mailPerDay, read: true })
    }
  })
})
