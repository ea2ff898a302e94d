import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { decryptWebhookSecret } from '../src/webhooks/webhooks.secret'
import { startTestApp, TEST_SECRET_KEY, type TestApp } from './support/app'
import { testDatabaseUrl } from './support/database'
import { eventually } from './support/eventually'
import { runScript } from './support/process'
import { registerUser } from './support/users'
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from './support/webhook-receiver'

// Each command is a process of its own: a bound against hangs, not a speed assertion.
setDefaultTimeout(60_000)

const env = () => ({ DATABASE_URL: testDatabaseUrl(), SECRET_KEY: TEST_SECRET_KEY })
const uniqueName = () => `cli-hooks-${crypto.randomUUID().slice(0, 8)}`
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')
const servers = (...args: string[]) => runScript(['servers', ...args], env())

let app: TestApp
let receiver: WebhookReceiver
beforeAll(async () => {
  app = await startTestApp({
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', DELIVERY_WORKER: 'on', MAIL_POLL_INTERVAL_MS: '50' },
  })
  receiver = startWebhookReceiver()
})
afterAll(async () => {
  receiver.stop()
  await app.stop()
})

/** Registers a user of the server and resolves the signed webhook its registration sent. */
async function nextHook(apiKey: string) {
  const user = await registerUser(app, apiKey)
  await eventually(() => receiver.received.some((hook) => hook.event.data.user.email === user.email))
  return receiver.received.find((hook) => hook.event.data.user.email === user.email) as never
}

describe('bun run servers with webhooks', () => {
  test('create --webhook-url prints the secret once; it signs what the service sends; rotate replaces it', async () => {
    const name = uniqueName()
    const created = await servers('create', name, '--webhook-url', receiver.url)
    expect(created.code).toBe(0)
    const server = json(created.stdout)
    expect(server).toEqual({
      id: expect.any(String),
      name,
      api_key: expect.any(String),
      webhook_url: receiver.url,
      webhook_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    })
    // Never in clear in the database, never listed.
    const [row] = await app.sql`SELECT webhook_secret FROM servers WHERE name = ${name}`
    expect(Buffer.from(row?.webhook_secret).toString('latin1')).not.toContain(server.webhook_secret.slice(6, 20))
    const listed = (await servers('list')).stdout.split('\n').find((line) => line.includes(name)) ?? ''
    expect(JSON.parse(listed)).toMatchObject({ name, webhook_url: receiver.url })
    expect(listed).not.toContain('whsec_')
    expect(verifySignature(server.webhook_secret, await nextHook(server.api_key))).toBe(true)

    const rotated = await servers('rotate-webhook-secret', name)
    expect(rotated.code).toBe(0)
    const fresh = json(rotated.stdout).webhook_secret
    expect(fresh).toMatch(/^whsec_/)
    expect(fresh).not.toBe(server.webhook_secret)
    const signedAfter = await nextHook(server.api_key)
    expect(verifySignature(fresh, signedAfter)).toBe(true)
    expect(verifySignature(server.webhook_secret, signedAfter)).toBe(false)

    // Off, then on again: the secret stays and is not shown again.
    const off = await servers('update', name, '--no-webhook')
    expect(json(off.stdout)).toMatchObject({ name, webhook_url: null })
    const on = await servers('update', name, '--webhook-url', receiver.url)
    expect(json(on.stdout)).toEqual({ id: server.id, name, mail_per_day: null, webhook_url: receiver.url })
    expect(verifySignature(fresh, await nextHook(server.api_key))).toBe(true)
    await servers('delete', name)
  })

  test('reseal-webhook-secrets: after a SECRET_KEY rotation, every secret sealed under the new key, unchanged', async () => {
    const NEW_KEY = 'the-next-secret-key-of-at-least-32-characters'
    const name = uniqueName()
    const server = json((await servers('create', name, '--webhook-url', receiver.url)).stdout)
    const sealed = async () =>
      Buffer.from((await app.sql`SELECT webhook_secret FROM servers WHERE name = ${name}`)[0]?.webhook_secret)
    const reseal = (current: string, previous: string) =>
      runScript(['servers', 'reseal-webhook-secrets'], {
        DATABASE_URL: testDatabaseUrl(),
        SECRET_KEY: current,
        SECRET_KEY_PREVIOUS: previous,
      })
    try {
      const rotated = await reseal(NEW_KEY, TEST_SECRET_KEY)
      expect(JSON.parse(rotated.stdout.trim()).resealed).toBeGreaterThanOrEqual(1)
      expect(JSON.parse(rotated.stdout.trim()).unreadable).not.toContain(name)
      expect(decryptWebhookSecret({ current: NEW_KEY, previous: undefined }, await sealed())).toBe(
        server.webhook_secret,
      )
      expect(decryptWebhookSecret({ current: TEST_SECRET_KEY, previous: undefined }, await sealed())).toBeUndefined()
    } finally {
      // Back under the key the other tests' instances use.
      await reseal(TEST_SECRET_KEY, NEW_KEY)
    }
    expect(decryptWebhookSecret({ current: TEST_SECRET_KEY, previous: undefined }, await sealed())).toBe(
      server.webhook_secret,
    )
    // The same secret still signs what the service sends.
    expect(verifySignature(server.webhook_secret, await nextHook(server.api_key))).toBe(true)
    await servers('delete', name)
  })

  test('update gives a server without a webhook its first one, with a secret', async () => {
    const name = uniqueName()
    expect((await servers('create', name)).code).toBe(0)
    const updated = json((await servers('update', name, '--webhook-url', 'https://app.example.com/hooks')).stdout)
    expect(updated).toMatchObject({ webhook_url: 'https://app.example.com/hooks', webhook_secret: expect.any(String) })
    await servers('delete', name)
  })

  test('refusals: a URL that is not http(s), both options, rotating without a webhook, an unknown server', async () => {
    const name = uniqueName()
    for (const url of ['ftp://app.example.com/hooks', 'not a url', 'https://user:pass@app.example.com/']) {
      const bad = await servers('create', name, '--webhook-url', url)
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('--webhook-url must be an http(s) URL')
    }
    expect((await servers('create', name, '--no-webhook')).code).toBe(2)
    expect((await servers('create', name)).code).toBe(0)
    expect((await servers('update', name, '--webhook-url', receiver.url, '--no-webhook')).code).toBe(2)
    const rotate = await servers('rotate-webhook-secret', name)
    expect(rotate.code).toBe(1)
    expect(rotate.stderr).toContain('has no webhook')
    const unknown = await servers('rotate-webhook-secret', uniqueName())
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no server named')
    // Without SECRET_KEY on a real database there is nothing to seal the secret with.
    const keyless = await runScript(['servers', 'update', name, '--webhook-url', receiver.url], {
      DATABASE_URL: testDatabaseUrl(),
    })
    expect(keyless.code).toBe(1)
    expect(keyless.stderr).toContain('SECRET_KEY')
    await servers('delete', name)
  })
})
