import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createServersService } from '../src/modules/servers/servers.service'
import { startTestApp } from './support/app'
import { freePort, testDatabaseUrl } from './support/database'
import { type FakeMailjet, startFakeMailjet } from './support/fake-mailjet'
import { call } from './support/http'
import { startService as startServiceProcess } from './support/process'
import { proxyToTestDatabase } from './support/tcp-proxy'
import { PASSWORD, uniqueEmail } from './support/users'

// These tests start the service as a process (a first `dev` also runs initdb):
// a bound against hangs, not a speed assertion. It applies to this file only.
setDefaultTimeout(30_000)

let mailjet: FakeMailjet
let apiKey: string

beforeAll(async () => {
  mailjet = await startFakeMailjet()
  const sql = connect(testDatabaseUrl(), { max: 1 })
  const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
  apiKey = (await servers.create(`process-${crypto.randomUUID().slice(0, 8)}`)).api_key
  await sql.end()
})
afterAll(() => mailjet.stop())

/** `bun run start` on the test database, mailing the fake Mailjet, on a port of its own. */
const startService = (env: Record<string, string> = {}, ready?: RegExp | (() => Promise<boolean>)) =>
  startServiceProcess(mailjet.url, env, ready)

const serviceUrl = (output: string) => /"url":"([^"]+)"/.exec(output)?.[1] ?? ''

describe('SIGTERM', () => {
  test('stops accepting, lets the in-flight request finish, then exits 0', async () => {
    const { child, output } = await startService()
    const url = serviceUrl(output())
    mailjet.behave('hang')
    const email = uniqueEmail()
    const inFlight = call(url, 'POST', '/users/', { key: apiKey, json: { email, password: PASSWORD } })
    while (!mailjet.requests.some((r) => r.body.Messages[0]?.To[0]?.Email === email)) await Bun.sleep(10)

    child.kill('SIGTERM')
    // New connections are refused while the registration is still waiting on Mailjet.
    let refused = false
    for (let i = 0; i < 100 && !refused; i += 1) {
      refused = await fetch(`${url}/health`).then(
        () => false,
        () => true,
      )
      if (!refused) await Bun.sleep(20)
    }
    expect(refused).toBe(true)

    mailjet.release()
    const reply = await inFlight
    expect(reply.status).toBe(201)
    expect(reply.body.activation_email).toBe('sent')
    expect(await child.exited).toBe(0)
    expect(output()).toContain('"stopping"')
  })
})

describe('SIGINT', () => {
  test('stops the service cleanly too', async () => {
    const { child, output } = await startService()
    child.kill('SIGINT')
    expect(await child.exited).toBe(0)
    expect(output()).toContain('"signal":"SIGINT"')
  })
})

describe('request logs', () => {
  test('one JSON line per request: method, route without the email, status, duration, request id', async () => {
    const { child, output } = await startService({ LOG_LEVEL: 'info' })
    const url = serviceUrl(output())
    try {
      const email = uniqueEmail('logged')
      const password = 'a-password-for-the-log-test'
      const created = await call(url, 'POST', '/users/', {
        key: apiKey,
        json: { email, password },
        headers: { 'x-request-id': 'req-from-client-1' },
      })
      expect(created.headers.get('x-request-id')).toBe('req-from-client-1')
      const read = await call(url, 'GET', `/users/${encodeURIComponent(email)}`, { key: apiKey })
      expect(read.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      const { code, token } = mailjet.lastMailTo(email)
      await call(url, 'POST', '/validation/', { key: apiKey, basic: { email, password }, json: { code } })
      await call(url, 'GET', `/validation/${token}`, { basic: { email, password } })
      await call(url, 'GET', '/nowhere', { headers: { 'x-request-id': 'bad id with spaces' } })
      await call(url, 'GET', '/health', { headers: { 'x-request-id': 'health-probe' } })
      await Bun.sleep(50)

      const lines = output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      const requests = lines.filter((line) => line.message === 'request')
      expect(requests.find((l) => l.request_id === 'req-from-client-1')).toMatchObject({
        level: 'info',
        method: 'POST',
        route: '/users/',
        status: 201,
        duration_ms: expect.any(Number),
      })
      expect(requests.find((l) => l.request_id === read.headers.get('x-request-id'))).toMatchObject({
        method: 'GET',
        route: '/users/:email',
        status: 200,
      })
      expect(requests.find((l) => l.route === '/validation/:token')).toMatchObject({ status: 200 })
      // A healthy probe (every few seconds in a container) is left out at info.
      expect(requests.find((l) => l.request_id === 'health-probe')).toBeUndefined()
      const unknown = requests.find((l) => l.status === 404)
      expect(unknown?.route).toBeNull()
      expect(unknown?.request_id).not.toBe('bad id with spaces')

      const everything = output()
      for (const secret of [password, apiKey, email, token, `"${code}"`]) expect(everything).not.toContain(secret)
    } finally {
      child.kill('SIGTERM')
      await child.exited
    }
  })

  test('LOG_LEVEL=warn leaves requests out', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    // Nothing at info is printed, "listening" included: wait for /health instead.
    const answers = () =>
      fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    const { child, output } = await startService({ LOG_LEVEL: 'warn', PORT: String(port) }, answers)
    await call(url, 'GET', '/health')
    child.kill('SIGTERM')
    await child.exited
    expect(output()).not.toContain('"request"')
    expect(output()).not.toContain('"listening"')
  })
})

describe('a database outage', () => {
  test('/health answers 503 while the database is away and 200 again by itself when it returns', async () => {
    const { proxy, url } = await proxyToTestDatabase()
    const app = await startTestApp({ databaseUrl: url })
    try {
      expect((await call(app.url, 'GET', '/health')).status).toBe(200)
      proxy.cut()
      const down = await call(app.url, 'GET', '/health')
      expect(down.status).toBe(503)
      expect(down.headers.get('content-type')).toBe('application/problem+json')
      // A client's request during the outage is a 503 too, never a hang.
      proxy.restore()
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i += 1) {
        status = (await call(app.url, 'GET', '/health')).status
        if (status !== 200) await Bun.sleep(100)
      }
      expect(status).toBe(200)
    } finally {
      await app.stop()
      proxy.cut()
    }
  })
})
