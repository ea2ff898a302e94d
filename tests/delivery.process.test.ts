import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createServersService } from '../src/modules/servers/servers.service'
import { startTestApp } from './support/app'
import { testDatabaseUrl } from './support/database'
import { eventually } from './support/eventually'
import { type FakeMailjet, startFakeMailjet } from './support/fake-mailjet'
import { call } from './support/http'
import { type startScript, startService as startServiceProcess } from './support/process'
import { proxyToTestDatabase } from './support/tcp-proxy'
import { PASSWORD, uniqueEmail } from './support/users'

// The service runs as processes here (killed, restarted, two at once): a bound against hangs.
setDefaultTimeout(60_000)

let mailjet: FakeMailjet
let apiKey: string
const sql = connect(testDatabaseUrl(), { max: 2 })
const running: Awaited<ReturnType<typeof startScript>>['child'][] = []

beforeAll(async () => {
  mailjet = await startFakeMailjet()
  const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
  apiKey = (await servers.create(`delivery-${crypto.randomUUID().slice(0, 8)}`)).api_key
})
/**
 * `bun run start` runs the service as its child, and a SIGKILL to `bun run` alone
 * leaves that child serving: kill the service itself, then its parent.
 */
async function killHard(child: (typeof running)[number]): Promise<void> {
  const children = await Bun.file(`/proc/${child.pid}/task/${child.pid}/children`)
    .text()
    .catch(() => '')
  for (const pid of children.trim().split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL')
  child.kill('SIGKILL')
  await child.exited
}

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) await killHard(child)
  await Promise.all(running.map((child) => child.exited))
  mailjet.stop()
  await sql.end()
})

/** `bun run start` on the test database with short delivery delays: retries and leases within seconds. */
async function startService(env: Record<string, string> = {}) {
  const service = await startServiceProcess(mailjet.url, {
    MAIL_INLINE_WAIT_MS: '100',
    MAILJET_TIMEOUT_MS: '1000',
    MAIL_LEASE_SECONDS: '2',
    MAIL_RETRY_BASE_SECONDS: '0',
    MAIL_POLL_INTERVAL_MS: '50',
    ...env,
  })
  running.push(service.child)
  return service
}

const statuses = async (emails: string[]) =>
  (
    await sql<{ status: string }[]>`
      SELECT status FROM emails WHERE recipient = ANY(${emails.map((e) => e.toLowerCase())}::text[])`
  ).map((row) => row.status)

const register = (url: string, email: string) =>
  call(url, 'POST', '/users/', { key: apiKey, json: { email, password: PASSWORD } })

const sentOnce = (emails: string[]) => emails.every((email) => mailjet.acceptedTo(email) === 1)

describe('an instance killed with SIGKILL while sending', () => {
  test('after a restart, each claimed email is sent exactly once', async () => {
    mailjet.behave('hang')
    const first = await startService()
    const emails = Array.from({ length: 5 }, () => uniqueEmail('killed'))
    const replies = await Promise.all(emails.map((email) => register(first.url, email)))
    expect(replies.map((r) => r.body.activation_email)).toEqual(emails.map(() => 'pending'))
    expect(await statuses(emails)).toEqual(emails.map(() => 'sending'))

    await killHard(first.child)
    expect(
      await fetch(`${first.url}/health`).then(
        () => 'answered',
        () => 'dead',
      ),
    ).toBe('dead')
    mailjet.behave('accept')
    // The killed process's requests were never answered: Mailjet accepted none of them.
    for (const email of emails) expect(mailjet.acceptedTo(email)).toBe(0)

    const second = await startService()
    await eventually(() => sentOnce(emails), 20_000)
    await eventually(async () => (await statuses(emails)).every((s) => s === 'sent'))
    // The code and link in the email that went out work.
    const { code } = mailjet.lastMailTo(emails[0] ?? '')
    const basic = { email: emails[0] ?? '', password: PASSWORD }
    expect((await call(second.url, 'POST', '/validation/', { key: apiKey, basic, json: { code } })).body).toEqual({
      status: 'activated',
    })
    second.child.kill('SIGTERM')
    expect(await second.child.exited).toBe(0)
    expect(sentOnce(emails)).toBe(true)
  })
})

describe('two instances on one database', () => {
  test('a burst of registrations while Mailjet fails, then recovers: every email sent exactly once', async () => {
    mailjet.behave('fail-500')
    const [a, b] = await Promise.all([startService(), startService()])
    if (!a || !b) throw new Error('no instances')
    const emails = Array.from({ length: 30 }, () => uniqueEmail('burst'))
    const replies = await Promise.all(emails.map((email, i) => register(i % 2 ? a.url : b.url, email)))
    expect(replies.every((r) => r.status === 201)).toBe(true)
    mailjet.behave('accept')
    await eventually(() => sentOnce(emails), 30_000)
    // Both workers went on polling a while: still exactly once.
    await Bun.sleep(300)
    expect(sentOnce(emails)).toBe(true)
    for (const instance of [a, b]) instance.child.kill('SIGTERM')
    expect(await Promise.all([a.child.exited, b.child.exited])).toEqual([0, 0])
  })
})

describe('SIGTERM', () => {
  test('in-flight sends finish and are recorded; queued emails stay queued; nothing is lost', async () => {
    mailjet.behave('hang')
    const service = await startService({ DELIVERY_WORKER: 'off' })
    const inFlight = Array.from({ length: 3 }, () => uniqueEmail('inflight'))
    await Promise.all(inFlight.map((email) => register(service.url, email)))
    // Each of their sends reached Mailjet (and hangs there) before it starts failing.
    const reached = (email: string) => mailjet.requests.some((r) => r.body.Messages[0]?.To[0]?.Email === email)
    await eventually(() => inFlight.every(reached))
    mailjet.behave('fail-500')
    const queued = Array.from({ length: 2 }, () => uniqueEmail('queued'))
    await Promise.all(queued.map((email) => register(service.url, email)))
    // Their own attempts were answered 500 (not merely waited past MAIL_INLINE_WAIT_MS).
    await eventually(async () => (await statuses(queued)).every((status) => status === 'queued'))

    service.child.kill('SIGTERM')
    await Bun.sleep(100)
    mailjet.release()
    expect(await service.child.exited).toBe(0)
    expect(await statuses(inFlight)).toEqual(inFlight.map(() => 'sent'))
    expect(await statuses(queued)).toEqual(queued.map(() => 'queued'))

    const next = await startService()
    await eventually(() => sentOnce([...inFlight, ...queued]), 20_000)
    next.child.kill('SIGTERM')
    await next.child.exited
  })
})

describe('the database blinks right after Mailjet accepted an email', () => {
  test('the send is recorded once it is back: sent once, never again when its lease ends', async () => {
    const { proxy, url } = await proxyToTestDatabase()
    const app = await startTestApp({ databaseUrl: url, env: { MAIL_INLINE_WAIT_MS: '10000' } })
    try {
      const key = (await app.createServer()).api_key
      const email = uniqueEmail('blink')
      app.mailjet.onRequest(async () => {
        proxy.cut()
        setTimeout(() => proxy.restore(), 600)
      })
      const reply = await call(app.url, 'POST', '/users/', { key, json: { email, password: PASSWORD } })
      app.mailjet.onRequest(async () => {})
      expect(reply.status).toBe(201)
      expect(reply.body.activation_email).toBe('sent')
      expect(await statuses([email])).toEqual(['sent'])
      expect(app.mailjet.acceptedTo(email)).toBe(1)
    } finally {
      await app.stop()
      proxy.cut()
    }
  })
})
