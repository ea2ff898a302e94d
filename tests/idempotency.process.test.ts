import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import postgres from 'postgres'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createServersService } from '../src/modules/servers/servers.service'
import { testDatabaseUrl } from './support/database'
import { type FakeMailjet, startFakeMailjet } from './support/fake-mailjet'
import { call, type Reply } from './support/http'
import { startService } from './support/process'
import { PASSWORD, uniqueEmail } from './support/users'

// The service runs as a process that the tests kill with SIGKILL mid-request: a bound
// against hangs, not a speed assertion. It applies to this file only.
setDefaultTimeout(30_000)

let mailjet: FakeMailjet
let server: { id: string; api_key: string }
const admin = postgres(testDatabaseUrl(), { max: 2, onnotice: () => {} })

beforeAll(async () => {
  mailjet = await startFakeMailjet()
  const sql = connect(testDatabaseUrl(), { max: 1 })
  const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
  server = await servers.create(`idem-process-${crypto.randomUUID().slice(0, 8)}`)
  await sql.end()
})
afterAll(async () => {
  mailjet.stop()
  await admin.end()
})

/** `bun run start` on the test database; a key stays locked 1 s by a run that died. */
async function startAndFindUrl(env: Record<string, string> = {}) {
  const { child, output, url } = await startService(mailjet.url, { IDEMPOTENCY_LOCK_SECONDS: '1', ...env })
  // `bun run` starts the service as its child: that is the process to kill.
  const pid = Number(/"pid":(\d+)/.exec(output())?.[1])
  const kill = async () => {
    process.kill(pid, 'SIGKILL')
    await child.exited
  }
  return { child, url, kill }
}

const registerWithKey = (url: string, email: string, key: string) =>
  call(url, 'POST', '/users/', {
    key: server.api_key,
    json: { email, password: PASSWORD },
    headers: { 'idempotency-key': key },
  })

/** Retries as a client would while the dead run's key is still locked (409), for at most a few seconds. */
async function retryUntilAnswered(url: string, email: string, key: string): Promise<Reply> {
  for (let i = 0; i < 100; i += 1) {
    const reply = await registerWithKey(url, email, key)
    if (reply.status !== 409) return reply
    expect(reply.body.type).toBe('urn:registration-api:problem:idempotency.in_flight')
    await Bun.sleep(50)
  }
  throw new Error('the key stayed locked')
}

const usersWithEmail = async (email: string) =>
  admin<{ id: string }[]>`select id from users where server_id = ${server.id} and lower(email) = lower(${email})`

describe('a registration whose service was killed with SIGKILL mid-request, retried with its Idempotency-Key', () => {
  test('killed after the commit (while mailing): the retry gets the committed registration, 201 "pending", once', async () => {
    const first = await startAndFindUrl()
    const email = uniqueEmail('killed-after')
    const key = crypto.randomUUID()
    mailjet.behave('hang')
    const cut = registerWithKey(first.url, email, key).catch(() => undefined)
    while (!mailjet.requests.some((r) => r.body.Messages[0]?.To[0]?.Email === email)) await Bun.sleep(10)
    await first.kill()
    expect(await cut).toBeUndefined()
    mailjet.release()

    const second = await startAndFindUrl()
    try {
      const retry = await retryUntilAnswered(second.url, email, key)
      expect(retry.status).toBe(201)
      expect(retry.headers.get('idempotency-replayed')).toBe('true')
      expect(retry.headers.get('location')).toBe(`/users/${email}`)
      expect(retry.body.activation_email).toBe('pending')
      const stored = await usersWithEmail(email)
      expect(stored.map((u) => u.id)).toEqual([retry.body.id as string])
    } finally {
      second.child.kill('SIGTERM')
      await second.child.exited
    }
  })

  test('killed before the commit: nothing was stored, and the retry registers the user, once', async () => {
    const first = await startAndFindUrl({ DATABASE_TIMEOUT_MS: '20000' })
    const email = uniqueEmail('killed-before')
    const key = crypto.randomUUID()
    // An open transaction holding the same email makes the registration wait inside its own,
    // after the key was claimed and before anything is committed.
    const blocker = await admin.reserve()
    try {
      await blocker`begin`
      await blocker`insert into users (server_id, email, password_hash, time_created, time_updated)
                    values (${server.id}, ${email}, '$argon2id$held', now(), now())`
      const cut = registerWithKey(first.url, email, key).catch(() => undefined)
      const waiting = () =>
        admin`select 1 from pg_stat_activity where application_name = 'registration-api' and wait_event_type = 'Lock'`
      while ((await waiting()).length === 0) await Bun.sleep(10)
      await first.kill()
      expect(await cut).toBeUndefined()
    } finally {
      await blocker`rollback`
      blocker.release()
    }

    const second = await startAndFindUrl()
    try {
      const retry = await retryUntilAnswered(second.url, email, key)
      expect(retry.status).toBe(201)
      expect(retry.headers.get('idempotency-replayed')).toBeNull()
      expect(await usersWithEmail(email)).toHaveLength(1)
      const again = await registerWithKey(second.url, email, key)
      expect(again.headers.get('idempotency-replayed')).toBe('true')
      expect(again.body.id).toBe(retry.body.id)
    } finally {
      second.child.kill('SIGTERM')
      await second.child.exited
    }
  })
})
