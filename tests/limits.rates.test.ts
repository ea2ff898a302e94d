import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call, type Reply } from './support/http'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

function expectLimited(reply: Reply, problem: string, retryAfter: number) {
  expect(reply.status).toBe(429)
  expect(reply.headers.get('content-type')).toBe('application/problem+json')
  expect(reply.body.type).toEndWith(problem)
  expect(reply.body.status).toBe(429)
  expect(reply.headers.get('retry-after')).toBe(String(retryAfter))
}

describe('REGISTRATIONS_PER_MINUTE: a token bucket per server', () => {
  const time = manualClock()
  let app: TestApp
  let other: TestApp

  beforeAll(async () => {
    // 5 a minute: a burst of 5, then one every 12 s.
    app = await startTestApp({ clock: time.clock, env: { REGISTRATIONS_PER_MINUTE: '5' } })
    other = await startTestApp({ clock: time.clock, env: { REGISTRATIONS_PER_MINUTE: '5' } })
  })
  afterAll(async () => {
    await app.stop()
    await other.stop()
  })

  const register = (key: string, on: TestApp = app) =>
    call(on.url, 'POST', '/users/', { key, json: { email: uniqueEmail(), password: PASSWORD } })

  test('5 at once, then 429 with Retry-After and the RateLimit fields; one more every 12 s', async () => {
    const { api_key: key } = await app.createServer()
    const first = await register(key)
    expect(first.status).toBe(201)
    expect(first.headers.get('ratelimit-policy')).toBe('"registrations";q=5;w=60')
    expect(first.headers.get('ratelimit')).toBe('"registrations";r=4;t=12')
    for (let left = 3; left >= 0; left -= 1) {
      const reply = await register(key)
      expect(reply.status).toBe(201)
      expect(reply.headers.get('ratelimit')).toBe(`"registrations";r=${left};t=${(5 - left) * 12}`)
    }
    const refused = await register(key)
    expectLimited(refused, 'limit.registrations', 12)
    expect(refused.headers.get('ratelimit')).toBe('"registrations";r=0;t=60')
    time.advance(11)
    expectLimited(await register(key), 'limit.registrations', 1)
    time.advance(1)
    expect((await register(key)).status).toBe(201)
    expectLimited(await register(key), 'limit.registrations', 12)
  })

  test('checked after the key and before the body: invalid bodies count, unauthenticated calls do not', async () => {
    const { api_key: key } = await app.createServer()
    for (let i = 0; i < 5; i += 1)
      expect((await call(app.url, 'POST', '/users/', { key, json: { x: 1 } })).status).toBe(422)
    expectLimited(await call(app.url, 'POST', '/users/', { key, body: '{', headers: {} }), 'limit.registrations', 12)
    expect((await call(app.url, 'POST', '/users/', { json: { x: 1 } })).status).toBe(401)
    expect((await call(app.url, 'POST', '/users/', { key: 'not-a-key', json: { x: 1 } })).status).toBe(401)
  })

  test('per server: another server keeps its whole bucket; reads never touch it', async () => {
    const busy = (await app.createServer()).api_key
    const quiet = (await app.createServer()).api_key
    for (let i = 0; i < 5; i += 1) expect((await register(busy)).status).toBe(201)
    expectLimited(await register(busy), 'limit.registrations', 12)
    expect((await register(quiet)).status).toBe(201)
    const read = await call(app.url, 'GET', `/users/${uniqueEmail()}`, { key: busy })
    expect(read.status).toBe(404)
    expect(read.headers.get('ratelimit')).toBeNull()
  })

  test('two instances on one database share one bucket; concurrent registrations: only 201 and 429', async () => {
    const { api_key: key } = await app.createServer()
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => register(key, i % 2 === 0 ? app : other)))
    expect(replies.filter((r) => r.status === 201)).toHaveLength(5)
    expect(replies.filter((r) => r.status === 429)).toHaveLength(7)
  })
})

describe('LINK_MISSES_PER_MINUTE: unknown links per client address', () => {
  const time = manualClock()
  let app: TestApp
  let key: string
  let addressCount = 0
  // Documentation addresses (RFC 5737), one per test so their counts never meet.
  const newAddress = () => `203.0.113.${++addressCount}`

  beforeAll(async () => {
    app = await startTestApp({ clock: time.clock, env: { LINK_MISSES_PER_MINUTE: '3', TRUST_PROXY: 'true' } })
    key = (await app.createServer()).api_key
  })
  afterAll(() => app.stop())

  const open = (token: string, from: string, basic = { email: uniqueEmail(), password: PASSWORD }) =>
    call(app.url, 'GET', `/validation/${token}`, { basic, headers: { 'x-forwarded-for': `${from}, 10.0.0.1` } })

  test('3 unknown tokens answer 404, then 429 with Retry-After; known links still work', async () => {
    const from = newAddress()
    for (let left = 2; left >= 0; left -= 1) {
      const miss = await open(`unknown-${left}`, from)
      expect(miss.status).toBe(404)
      expect(miss.headers.get('ratelimit-policy')).toBe('"unknown_links";q=3;w=60')
      expect(miss.headers.get('ratelimit')).toStartWith(`"unknown_links";r=${left};`)
    }
    expectLimited(await open('unknown-3', from), 'limit.unknown_links', 20)
    const user = await registerUser(app, key)
    expect((await open(user.mail().token, from, user.credentials)).status).toBe(200)
    time.advance(20)
    expect((await open('unknown-4', from)).status).toBe(404)
  })

  test('counted by the first X-Forwarded-For hop when TRUST_PROXY=true: another address is not limited', async () => {
    const busy = newAddress()
    for (let i = 0; i < 3; i += 1) expect((await open(`unknown-${i}`, busy)).status).toBe(404)
    expect((await open('unknown', busy)).status).toBe(429)
    expect((await open('unknown', newAddress())).status).toBe(404)
  })

  test('a browser gets the 429 as a page too', async () => {
    const from = newAddress()
    for (let i = 0; i < 3; i += 1) await open(`unknown-${i}`, from)
    const reply = await call(app.url, 'GET', '/validation/unknown', {
      basic: { email: uniqueEmail(), password: PASSWORD },
      headers: { 'x-forwarded-for': from, accept: 'text/html' },
    })
    expect(reply.status).toBe(429)
    expect(reply.headers.get('content-type')).toContain('text/html')
    expect(reply.headers.get('retry-after')).toBe('20')
  })

  test('without TRUST_PROXY the socket address counts, and X-Forwarded-For is ignored', async () => {
    // A day ahead, so the loopback address's count from other test apps is in its past.
    const ahead = manualClock(new Date(Date.now() + 86_400_000))
    const direct = await startTestApp({ clock: ahead.clock, env: { LINK_MISSES_PER_MINUTE: '2' } })
    try {
      const from = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}` })
      const basic = { email: uniqueEmail(), password: PASSWORD }
      for (let i = 0; i < 2; i += 1)
        expect((await call(direct.url, 'GET', '/validation/nope', { basic, headers: from(i) })).status).toBe(404)
      const refused = await call(direct.url, 'GET', '/validation/nope', { basic, headers: from(9) })
      expectLimited(refused, 'limit.unknown_links', 30)
    } finally {
      await direct.stop()
    }
  })
})
