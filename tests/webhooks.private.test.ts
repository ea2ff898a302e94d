import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { eventually } from './support/eventually'
import { call } from './support/http'
import { registerUser } from './support/users'
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver'

// Its own file: an instance allowing private addresses (tests/webhooks.test.ts) must not run beside this one.
setDefaultTimeout(30_000)

let strict: TestApp
let target: WebhookReceiver
beforeAll(async () => {
  strict = await startTestApp({ env: { DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '50' } })
  target = startWebhookReceiver()
})
afterAll(async () => {
  target.stop()
  await strict.stop()
})

test('without WEBHOOK_ALLOW_PRIVATE, loopback is refused by address, by name and in its IPv4-mapped IPv6 form', async () => {
  const urls = [
    target.url,
    target.url.replace('127.0.0.1', 'localhost'),
    target.url.replace('127.0.0.1', '[::ffff:127.0.0.1]'),
    target.url.replace('127.0.0.1', '[::1]'),
  ]
  for (const url of urls) {
    const server = await strict.servers.create(`private-${crypto.randomUUID().slice(0, 8)}`, { webhookUrl: url })
    await registerUser(strict, server.api_key)
    const list = async () =>
      (await call(strict.url, 'GET', '/webhooks/deliveries', { key: server.api_key })).body.deliveries as {
        attempts: number
        status: string
      }[]
    await eventually(async () => (await list())[0]?.attempts === 1 && (await list())[0]?.status !== 'sending')
    expect((await list())[0]).toMatchObject({ status: 'queued', last_status: null })
  }
  expect(target.received).toEqual([])
  // Counted once each attempt is recorded.
  await eventually(async () =>
    /webhooks_total\{outcome="refused",receiver_status_class="none"\} 4/.test(
      (await call(strict.url, 'GET', '/metrics')).text,
    ),
  )
})
