import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { confirmReset, requestReset } from './support/password-reset'
import { registerUser } from './support/users'
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from './support/webhook-receiver'

setDefaultTimeout(30_000)

/** Webhooks reach the receiver on 127.0.0.1 only with this; the worker polls often so no test waits long. */
const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  DELIVERY_WORKER: 'on',
  MAIL_POLL_INTERVAL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '300',
  // "Exactly once" fires 30 registrations at once over two instances (10 connections each,
  // beside both workers): on a loaded two-core machine one waited past the default 2 s for
  // the database and got an honest 503. No test here is about that bound.
  DATABASE_TIMEOUT_MS: '10000',
}

const time = manualClock()
let app: TestApp
let receiver: WebhookReceiver

beforeAll(async () => {
  app = await startTestApp({ env: WEBHOOK_ENV, clock: time.clock })
  receiver = startWebhookReceiver()
})
afterAll(async () => {
  await app.stop()
  receiver.stop()
})

let serverCount = 0
/** A server whose webhook points at `url`, with its API key and signing secret. */
async function webhookServer(url: string, on: TestApp = app) {
  serverCount += 1
  const server = await on.servers.create(`hooks-${serverCount}-${crypto.randomUUID().slice(0, 8)}`, { webhookUrl: url })
  if (!server.webhook_secret) throw new Error('no secret was shown')
  return { ...server, secret: server.webhook_secret }
}

const deliveries = async (key: string, on: TestApp = app) =>
  (await call(on.url, 'GET', '/webhooks/deliveries', { key })).body.deliveries as Record<string, unknown>[]

/** Waits until the server's newest delivery has made `attempts` attempts and recorded the last one. */
const attempted = (key: string, attempts: number, on: TestApp = app) =>
  eventually(async () => {
    const [entry] = await deliveries(key, on)
    return entry?.attempts === attempts && entry.status !== 'sending'
  })

const hooksFor = (user: string) => receiver.received.filter((hook) => hook.event.data.user.email === user)

describe('events', () => {
  test('registered, activated by code, activated by link, deleted: each signed, with the public user', async () => {
    const server = await webhookServer(receiver.url)
    expect(server.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const ann = await registerUser(app, server.api_key)
    const bob = await registerUser(app, server.api_key)
    await eventually(() => hooksFor(ann.email).length === 1 && hooksFor(bob.email).length === 1)

    const byCode = await call(app.url, 'POST', '/validation/', {
      key: server.api_key,
      basic: ann.credentials,
      json: { code: ann.mail().code },
    })
    expect(byCode.status).toBe(200)
    const byLink = await call(app.url, 'GET', `/validation/${bob.mail().token}`, { basic: bob.credentials })
    expect(byLink.body).toEqual({ status: 'activated' })
    await eventually(() => hooksFor(ann.email).length === 2 && hooksFor(bob.email).length === 2)
    const deleted = await call(app.url, 'DELETE', `/users/${encodeURIComponent(ann.email)}`, { key: server.api_key })
    expect(deleted.status).toBe(200)
    await eventually(() => hooksFor(ann.email).length === 3)

    expect(hooksFor(ann.email).map((hook) => hook.event.type)).toEqual([
      'user.registered',
      'user.activated',
      'user.deleted',
    ])
    expect(hooksFor(bob.email).map((hook) => hook.event.type)).toEqual(['user.registered', 'user.activated'])
    for (const hook of [...hooksFor(ann.email), ...hooksFor(bob.email)]) {
      expect(verifySignature(server.secret, hook)).toBe(true)
      expect(verifySignature(`whsec_${Buffer.alloc(32).toString('base64')}`, hook)).toBe(false)
      expect(hook.timestamp).toBe(String(Math.floor(time.clock().getTime() / 1000)))
      expect(Object.keys(hook.event).sort()).toEqual(['data', 'timestamp', 'type'])
      expect(hook.event.timestamp).toBe(time.clock().toISOString())
      expect(hook.body).not.toContain('password')
    }
    // Each payload is the user as the API shows it at that moment.
    const [registered, activated, gone] = hooksFor(ann.email).map((hook) => hook.event.data.user)
    expect(registered).toEqual({ ...(ann.reply.body as Record<string, unknown>), activation_email: undefined })
    expect(registered?.is_activated).toBe(false)
    expect(activated).toMatchObject({ email: ann.email, server: server.name, is_activated: true })
    expect(gone).toEqual(deleted.body)
    const bobNow = await call(app.url, 'GET', `/users/${encodeURIComponent(bob.email)}`, { key: server.api_key })
    expect(hooksFor(bob.email)[1]?.event.data.user).toEqual(bobNow.body)

    // GET /webhooks/deliveries: newest first, each delivered at its first attempt.
    const list = await deliveries(server.api_key)
    expect(list.map((d) => d.event)).toEqual([
      'user.deleted',
      'user.activated',
      'user.activated',
      'user.registered',
      'user.registered',
    ])
    for (const entry of list)
      expect(entry).toEqual({
        id: expect.any(String),
        event: expect.any(String),
        status: 'delivered',
        attempts: 1,
        created_at: time.clock().toISOString(),
        delivered_at: time.clock().toISOString(),
        last_status: 200,
      })
    // The delivery's id is the webhook-id the receiver saw.
    expect(list.map((d) => d.id).sort()).toEqual(
      [...hooksFor(ann.email), ...hooksFor(bob.email)].map((hook) => hook.id).sort(),
    )
  })

  test('a wrong code, a repeated activation and a 404 delete send nothing; a server without a webhook queues nothing', async () => {
    const server = await webhookServer(receiver.url)
    const ann = await registerUser(app, server.api_key)
    await eventually(() => hooksFor(ann.email).length === 1)
    const wrong = ann.mail().code === '0000' ? '0001' : '0000'
    expect(
      (
        await call(app.url, 'POST', '/validation/', {
          key: server.api_key,
          basic: ann.credentials,
          json: { code: wrong },
        })
      ).status,
    ).toBe(422)
    const code = ann.mail().code
    const again = { key: server.api_key, basic: ann.credentials, json: { code } }
    expect((await call(app.url, 'POST', '/validation/', again)).body).toEqual({ status: 'activated' })
    expect((await call(app.url, 'POST', '/validation/', again)).body).toEqual({ status: 'already_activated' })
    expect((await call(app.url, 'DELETE', '/users/nobody%40example.com', { key: server.api_key })).status).toBe(404)
    await eventually(() => hooksFor(ann.email).length === 2)
    expect((await deliveries(server.api_key)).map((d) => d.event)).toEqual(['user.activated', 'user.registered'])

    const plain = await app.createServer('no-hooks')
    const carl = await registerUser(app, plain.api_key)
    expect(await deliveries(plain.api_key)).toEqual([])
    const [row] = await app.sql`SELECT count(*)::int AS n FROM webhook_deliveries d JOIN servers s ON s.id = d.server_id
      WHERE s.name = ${plain.name}`
    expect(row?.n).toBe(0)
    expect(hooksFor(carl.email)).toEqual([])
  })

  test('a password change sends user.password_changed; a refused change and a sign-in send nothing', async () => {
    const server = await webhookServer(receiver.url)
    const ann = await registerUser(app, server.api_key)
    await eventually(() => hooksFor(ann.email).length === 1)
    const path = `/users/${encodeURIComponent(ann.email)}/password`
    const refused = await call(app.url, 'PUT', path, {
      key: server.api_key,
      basic: { email: ann.email, password: 'not the password' },
      json: { password: 'a brand new passphrase' },
    })
    expect(refused.status).toBe(401)
    const changed = await call(app.url, 'PUT', path, {
      key: server.api_key,
      basic: ann.credentials,
      json: { password: 'a brand new passphrase' },
    })
    expect(changed.status).toBe(204)
    const signIn = await call(app.url, 'POST', '/sign-in', {
      key: server.api_key,
      basic: { email: ann.email, password: 'a brand new passphrase' },
    })
    expect(signIn.status).toBe(403)
    await eventually(() => hooksFor(ann.email).length === 2)
    const [, hook] = hooksFor(ann.email)
    expect(hook?.event.type).toBe('user.password_changed')
    expect(verifySignature(server.secret, hook as never)).toBe(true)
    const now = await call(app.url, 'GET', `/users/${encodeURIComponent(ann.email)}`, { key: server.api_key })
    expect(hook?.event.data.user).toEqual(now.body)
    expect(hook?.body).not.toContain('passphrase')
    expect((await deliveries(server.api_key)).map((d) => d.event)).toEqual(['user.password_changed', 'user.registered'])
  })

  test('a password reset sends user.password_changed, and user.activated when it activates the user', async () => {
    const server = await webhookServer(receiver.url)
    const ann = await registerUser(app, server.api_key)
    const code = await requestReset(app, server.api_key, ann.email).then((r) => r.code())
    const reset = await confirmReset(app, server.api_key, {
      email: ann.email,
      code,
      password: 'a brand new passphrase',
    })
    expect(reset.status).toBe(200)
    await eventually(() => hooksFor(ann.email).length === 3)
    // One transaction's events are posted at once: they may arrive in either order.
    expect(hooksFor(ann.email)[0]?.event.type).toBe('user.registered')
    expect(
      hooksFor(ann.email)
        .slice(1)
        .map((hook) => hook.event.type)
        .sort(),
    ).toEqual(['user.activated', 'user.password_changed'])
    for (const hook of hooksFor(ann.email).slice(1)) expect(hook.event.data.user).toEqual(reset.body)

    // Already active: a second reset changes the password only.
    const again = await requestReset(app, server.api_key, ann.email).then((r) => r.code())
    expect(
      (await confirmReset(app, server.api_key, { email: ann.email, code: again, password: 'yet another passphrase' }))
        .status,
    ).toBe(200)
    await eventually(() => hooksFor(ann.email).length === 4)
    expect(hooksFor(ann.email)[3]?.event.type).toBe('user.password_changed')
    // A wrong code changes nothing and sends nothing.
    await confirmReset(app, server.api_key, { email: ann.email, code: '000000', password: 'a third passphrase' })
    expect((await deliveries(server.api_key)).length).toBe(4)
  })

  test('the event commits with the change: a registration that fails (409) leaves no event', async () => {
    const server = await webhookServer(receiver.url)
    const ann = await registerUser(app, server.api_key)
    const twice = await call(app.url, 'POST', '/users/', {
      key: server.api_key,
      json: { email: ann.email, password: ann.password },
    })
    expect(twice.status).toBe(409)
    await eventually(() => hooksFor(ann.email).length === 1)
    expect((await deliveries(server.api_key)).length).toBe(1)
  })
})

describe('GET /webhooks/deliveries', () => {
  test('401 without a key or with a wrong one', async () => {
    expect((await call(app.url, 'GET', '/webhooks/deliveries')).status).toBe(401)
    expect((await call(app.url, 'GET', '/webhooks/deliveries/', { key: 'nope' })).status).toBe(401)
  })

  test('a server sees only its own deliveries, at most the last 100', async () => {
    const mine = await webhookServer(receiver.url)
    const other = await webhookServer(receiver.url)
    await registerUser(app, other.api_key)
    const [server] = await app.sql`SELECT id FROM servers WHERE name = ${mine.name}`
    await app.sql`INSERT INTO webhook_deliveries (server_id, event, body, status, created_at, next_attempt_at)
      SELECT ${server?.id}, 'user.registered', '{}', 'cancelled', now() - make_interval(secs => i), now()
      FROM generate_series(1, 120) i`
    const list = await deliveries(mine.api_key)
    expect(list.length).toBe(100)
    const created = list.map((d) => Date.parse(d.created_at as string))
    expect(created).toEqual([...created].sort((a, b) => b - a))
  })
})

describe('retries', () => {
  test('a failing receiver is retried with backoff on the injected clock until it answers 2xx', async () => {
    const failing = startWebhookReceiver()
    try {
      failing.answerStatus(500)
      const server = await webhookServer(failing.url)
      await registerUser(app, server.api_key)
      await eventually(async () => (await deliveries(server.api_key))[0]?.last_status === 500)
      expect((await deliveries(server.api_key))[0]).toMatchObject({ status: 'queued', attempts: 1, delivered_at: null })
      // The waiting delivery is on /metrics, not yet due.
      const scraped = (await call(app.url, 'GET', '/metrics')).text
      expect(scraped).toMatch(/^webhook_queue_depth [1-9]\d*$/m)
      expect(scraped).toMatch(/^webhook_oldest_due_age_seconds \d+(\.\d+)?$/m)
      // Not due yet: nothing more arrives while the clock stands still.
      await Bun.sleep(200)
      expect(failing.received.length).toBe(1)

      // A receiver that never answers: cut after WEBHOOK_TIMEOUT_MS, no status.
      failing.answerWith(() => new Promise<Response>(() => {}))
      time.advance(3_600)
      await eventually(() => failing.received.length === 2)
      await attempted(server.api_key, 2)
      expect((await deliveries(server.api_key))[0]).toMatchObject({ last_status: null })

      failing.answerStatus(204)
      time.advance(3_600)
      await eventually(async () => (await deliveries(server.api_key))[0]?.status === 'delivered')
      expect((await deliveries(server.api_key))[0]).toMatchObject({ attempts: 3, last_status: 204 })
      // Every attempt carries the same webhook-id (the receiver's idempotency key), each signed anew.
      expect(new Set(failing.received.map((hook) => hook.id)).size).toBe(1)
      expect(new Set(failing.received.map((hook) => hook.timestamp)).size).toBe(3)
      for (const hook of failing.received) expect(verifySignature(server.secret, hook)).toBe(true)
    } finally {
      failing.stop()
    }
  })

  test('a receiver that never accepts: failed after WEBHOOK_GIVE_UP_SECONDS (24 h)', async () => {
    const failing = startWebhookReceiver()
    try {
      failing.answerStatus(503)
      const server = await webhookServer(failing.url)
      await registerUser(app, server.api_key)
      await attempted(server.api_key, 1)
      time.advance(24 * 3_600)
      await eventually(async () => (await deliveries(server.api_key))[0]?.status === 'failed')
      expect((await deliveries(server.api_key))[0]).toMatchObject({ attempts: 2, last_status: 503, delivered_at: null })
      time.advance(24 * 3_600)
      await Bun.sleep(200)
      expect(failing.received.length).toBe(2)
    } finally {
      failing.stop()
    }
  })

  test('a redirect is not followed: it is a failed attempt', async () => {
    const failing = startWebhookReceiver()
    try {
      failing.answerWith(() => new Response(null, { status: 307, headers: { location: receiver.url } }))
      const server = await webhookServer(failing.url)
      const ann = await registerUser(app, server.api_key)
      await eventually(async () => (await deliveries(server.api_key))[0]?.last_status === 307)
      expect((await deliveries(server.api_key))[0]).toMatchObject({ status: 'queued' })
      expect(hooksFor(ann.email)).toEqual([])
    } finally {
      failing.stop()
    }
  })

  test('no receiver listening: retried, with no status', async () => {
    const gone = startWebhookReceiver()
    gone.stop()
    const server = await webhookServer(gone.url)
    await registerUser(app, server.api_key)
    await attempted(server.api_key, 1)
    expect((await deliveries(server.api_key))[0]).toMatchObject({ status: 'queued', last_status: null })
  })

  test('410 Gone turns the webhook off: that delivery fails, queued ones are cancelled, no new event is queued', async () => {
    const leaving = startWebhookReceiver()
    try {
      leaving.answerStatus(410)
      const server = await webhookServer(leaving.url)
      const ann = await registerUser(app, server.api_key)
      await eventually(async () => (await deliveries(server.api_key))[0]?.status === 'failed')
      expect((await deliveries(server.api_key))[0]).toMatchObject({ attempts: 1, last_status: 410 })
      const listed = (await app.servers.list()).find((s) => s.name === server.name)
      expect(listed?.webhook_url).toBeUndefined()
      await call(app.url, 'DELETE', `/users/${encodeURIComponent(ann.email)}`, { key: server.api_key })
      expect((await deliveries(server.api_key)).length).toBe(1)
      expect(leaving.received.length).toBe(1)
      // Turned on again, it signs with the secret it had.
      const again = await app.servers.update(server.name, { webhookUrl: receiver.url })
      expect(again).not.toHaveProperty('webhook_secret')
      const bob = await registerUser(app, server.api_key)
      await eventually(() => hooksFor(bob.email).length === 1)
      expect(verifySignature(server.secret, hooksFor(bob.email)[0] as never)).toBe(true)
    } finally {
      leaving.stop()
    }
  })

  test('turning the webhook off cancels what is still queued for it', async () => {
    const failing = startWebhookReceiver()
    try {
      failing.answerStatus(500)
      const server = await webhookServer(failing.url)
      await registerUser(app, server.api_key)
      await attempted(server.api_key, 1)
      await app.servers.update(server.name, { webhookUrl: null })
      expect((await deliveries(server.api_key))[0]).toMatchObject({ status: 'cancelled' })
      time.advance(3_600)
      await Bun.sleep(200)
      expect(failing.received.length).toBe(1)
    } finally {
      failing.stop()
    }
  })

  test('the outcomes are counted on /metrics', async () => {
    const text = (await call(app.url, 'GET', '/metrics')).text
    expect(text).toMatch(/webhooks_total\{outcome="delivered",receiver_status_class="2xx"\} [1-9]/)
    expect(text).toMatch(/webhooks_total\{outcome="retry",receiver_status_class="5xx"\} [1-9]/)
    expect(text).toMatch(/webhooks_total\{outcome="disabled",receiver_status_class="4xx"\} 1/)
    expect(text).toMatch(/webhooks_total\{outcome="gave_up",receiver_status_class="5xx"\} 1/)
  })
})

describe('two instances on one database', () => {
  test('each event is delivered exactly once', async () => {
    const other = await startTestApp({ env: WEBHOOK_ENV, clock: time.clock })
    const counting = startWebhookReceiver()
    try {
      const server = await webhookServer(counting.url)
      const registrations = Array.from({ length: 30 }, (_, i) => registerUser(i % 2 ? app : other, server.api_key))
      const users = await Promise.all(registrations)
      await eventually(async () => (await deliveries(server.api_key)).every((d) => d.status === 'delivered'))
      await Bun.sleep(200)
      expect(counting.received.length).toBe(30)
      expect(new Set(counting.received.map((hook) => hook.id)).size).toBe(30)
      expect(new Set(counting.received.map((hook) => hook.event.data.user.email))).toEqual(
        new Set(users.map((u) => u.email)),
      )
    } finally {
      counting.stop()
      await other.stop()
    }
  })
})
