import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createIdempotency, KEEP_SECONDS } from '../src/idempotency/idempotency'
import { createLogger } from '../src/log'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call, type Reply } from './support/http'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({
    clock: time.clock,
    env: { RESEND_INTERVAL_SECONDS: '30', IDEMPOTENCY_LOCK_SECONDS: '60' },
  })
  key = (await app.createServer('idem')).api_key
})
afterAll(() => app.stop())

const register = (json: unknown, idempotencyKey?: string, apiKey = key) =>
  call(app.url, 'POST', '/users/', {
    key: apiKey,
    json,
    headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
  })

const resend = (credentials: { email: string; password: string }, idempotencyKey?: string) =>
  call(app.url, 'POST', '/validation/resend', {
    key,
    basic: credentials,
    headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
  })

const newKey = () => crypto.randomUUID()
const mailsTo = (email: string) => app.mailjet.requests.filter((r) => r.body.Messages[0]?.To[0]?.Email === email)
const expectProblem = (reply: Reply, status: number, code: string) => {
  expect(reply.status).toBe(status)
  expect(reply.headers.get('content-type')).toBe('application/problem+json')
  expect(reply.body.type).toBe(`urn:registration-api:problem:${code}`)
}

describe('POST /users/ with Idempotency-Key', () => {
  test('a retry with the same key and request gets the first answer again, and nothing runs twice', async () => {
    const email = uniqueEmail('idem')
    const k = newKey()
    const first = await register({ email, password: PASSWORD, first_name: 'Ann' }, k)
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotency-replayed')).toBeNull()

    // The same body with its members in another order is the same request.
    const retry = await register({ first_name: 'Ann', password: PASSWORD, email }, k)
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotency-replayed')).toBe('true')
    expect(retry.text).toBe(first.text)
    expect(retry.headers.get('location')).toBe(first.headers.get('location'))
    expect(retry.headers.get('content-type')).toBe('application/json')
    expect(mailsTo(email)).toHaveLength(1)
  })

  test('the same key with another request answers 422 and runs nothing', async () => {
    const k = newKey()
    expect((await register({ email: uniqueEmail('idem'), password: PASSWORD }, k)).status).toBe(201)
    const other = uniqueEmail('idem')
    expectProblem(await register({ email: other, password: PASSWORD }, k), 422, 'idempotency.key_reused')
    expect((await call(app.url, 'GET', `/users/${encodeURIComponent(other)}`, { key })).status).toBe(404)
  })

  test('keys belong to their server: another server’s same key is a new request', async () => {
    const k = newKey()
    const other = (await app.createServer('idem-other')).api_key
    const email = uniqueEmail('idem')
    expect((await register({ email, password: PASSWORD }, k)).status).toBe(201)
    const elsewhere = await register({ email, password: PASSWORD }, k, other)
    expect(elsewhere.status).toBe(201)
    expect(elsewhere.headers.get('idempotency-replayed')).toBeNull()
  })

  test('a final refusal is kept: the retry of a registration that met an existing email gets its 409 again', async () => {
    const { email } = await registerUser(app, key)
    const k = newKey()
    expectProblem(await register({ email, password: PASSWORD }, k), 409, 'user.already_exists')
    const retry = await register({ email, password: PASSWORD }, k)
    expectProblem(retry, 409, 'user.already_exists')
    expect(retry.headers.get('idempotency-replayed')).toBe('true')
  })

  test('a retry while the first still runs answers 409 with Retry-After; once answered, it replays', async () => {
    const email = uniqueEmail('idem')
    const k = newKey()
    app.mailjet.behave('hang')
    const first = register({ email, password: PASSWORD }, k)
    while (mailsTo(email).length === 0) await Bun.sleep(5)
    const during = await register({ email, password: PASSWORD }, k)
    expectProblem(during, 409, 'idempotency.in_flight')
    expect(during.headers.get('retry-after')).toMatch(/^\d+$/)
    app.mailjet.release()
    const answered = await first
    expect(answered.status).toBe(201)
    expect(answered.body.activation_email).toBe('sent')
    const after = await register({ email, password: PASSWORD }, k)
    expect(after.headers.get('idempotency-replayed')).toBe('true')
    expect(after.body).toEqual(answered.body)
  })

  test('authentication first: a wrong API key with a used key is a 401, not a replay', async () => {
    const k = newKey()
    const json = { email: uniqueEmail('idem'), password: PASSWORD }
    expect((await register(json, k)).status).toBe(201)
    expectProblem(await register(json, k, 'not-a-key'), 401, 'auth.invalid_api_key')
  })

  test('a key is 1 to 255 visible characters, bare or as a quoted string; anything else is a 400', async () => {
    const json = () => ({ email: uniqueEmail('idem'), password: PASSWORD })
    expectProblem(await register(json(), ''), 400, 'idempotency.invalid_key')
    expectProblem(await register(json(), 'k'.repeat(256)), 400, 'idempotency.invalid_key')
    expect((await register(json(), 'k'.repeat(255))).status).toBe(201)
    const body = json()
    const k = newKey()
    expect((await register(body, `"${k}"`)).status).toBe(201)
    expect((await register(body, k)).headers.get('idempotency-replayed')).toBe('true')
  })

  test('a key is kept 24 hours: after that it names a new request', async () => {
    const k = newKey()
    expect((await register({ email: uniqueEmail('idem'), password: PASSWORD }, k)).status).toBe(201)
    time.advance(KEEP_SECONDS + 1)
    const later = await register({ email: uniqueEmail('idem'), password: PASSWORD }, k)
    expect(later.status).toBe(201)
    expect(later.headers.get('idempotency-replayed')).toBeNull()
  })
})

describe('POST /validation/resend with Idempotency-Key', () => {
  test('a retry replays the 202 without a second email; another user’s same key is another request (422)', async () => {
    const ann = await registerUser(app, key)
    time.advance(31)
    const k = newKey()
    const first = await resend(ann.credentials, k)
    expect(first.status).toBe(202)
    const retry = await resend(ann.credentials, k)
    expect(retry.status).toBe(202)
    expect(retry.headers.get('idempotency-replayed')).toBe('true')
    expect(retry.body).toEqual(first.body)
    expect(mailsTo(ann.email)).toHaveLength(2)

    const bob = await registerUser(app, key)
    expectProblem(await resend(bob.credentials, k), 422, 'idempotency.key_reused')
  })

  test('the password is checked before any replay', async () => {
    const ann = await registerUser(app, key)
    time.advance(31)
    const k = newKey()
    expect((await resend(ann.credentials, k)).status).toBe(202)
    const wrong = await resend({ email: ann.email, password: 'not the password' }, k)
    expectProblem(wrong, 401, 'auth.invalid_credentials')
  })

  test('a 429 is not kept: the same key runs again once the interval has passed', async () => {
    const ann = await registerUser(app, key)
    const k = newKey()
    const early = await resend(ann.credentials, k)
    expectProblem(early, 429, 'activation.resend_too_soon')
    time.advance(31)
    const later = await resend(ann.credentials, k)
    expect(later.status).toBe(202)
    expect(later.headers.get('idempotency-replayed')).toBeNull()
  })
})

describe('a run that never answers (its instance died)', () => {
  const lockSeconds = 5
  const clock = manualClock()
  const setUp = async () => {
    const server = await app.createServer('idem-dead')
    const idempotency = createIdempotency({
      sql: app.sql,
      statements: await Statements.load(QUERIES_DIR),
      clock: clock.clock,
      config: { ...app.config, idempotencyLockSeconds: lockSeconds },
      log: createLogger('error', () => {}),
    })
    const request = { serverId: server.id, header: newKey(), operation: 'POST /test', body: { n: 1 } }
    return { idempotency, request }
  }
  const never = () => new Promise<never>(() => {})

  test('nothing committed: its key stays locked (409), then the retry runs the request', async () => {
    const { idempotency, request } = await setUp()
    let claimed = () => {}
    const claim = new Promise<void>((resolve) => {
      claimed = resolve
    })
    void idempotency.run(request, () => {
      claimed()
      return never()
    })
    await claim
    await expect(idempotency.run(request, async () => ({ status: 201, body: { n: 2 } }))).rejects.toMatchObject({
      code: 'idempotency.in_flight',
    })
    clock.advance(lockSeconds)
    const retry = await idempotency.run(request, async () => ({ status: 201, body: { n: 2 } }))
    expect(retry.status).toBe(201)
    expect(await retry.json()).toEqual({ n: 2 })
    expect(retry.headers.get('idempotency-replayed')).toBeNull()
  })

  test('its change committed: the retry gets the answer staged in that transaction, and runs nothing', async () => {
    const { idempotency, request } = await setUp()
    let committed = () => {}
    const commit = new Promise<void>((resolve) => {
      committed = resolve
    })
    void idempotency.run(request, async (stage) => {
      await app.sql.begin((tx) => stage(tx, { status: 201, body: { staged: true }, headers: { location: '/x' } }))
      committed()
      return never()
    })
    await commit
    clock.advance(lockSeconds)
    let ran = false
    const retry = await idempotency.run(request, async () => {
      ran = true
      return { status: 201, body: {} }
    })
    expect(ran).toBe(false)
    expect(retry.status).toBe(201)
    expect(retry.headers.get('location')).toBe('/x')
    expect(retry.headers.get('idempotency-replayed')).toBe('true')
    expect(await retry.json()).toEqual({ staged: true })
  })
})
