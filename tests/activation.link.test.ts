import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { PASSWORD, registerUser } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock()
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock, env: { RESEND_INTERVAL_SECONDS: '0' } })
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const open = (token: string, basic?: { email: string; password: string }, headers: Record<string, string> = {}) =>
  call(app.url, 'GET', `/validation/${token}`, { basic, headers })

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

describe('GET /validation/{token}', () => {
  test('200 activated, then already_activated; the code then says already_activated too', async () => {
    const user = await registerUser(app, key)
    const { token, code } = user.mail()
    expect(await open(token, user.credentials)).toMatchObject({ status: 200, body: { status: 'activated' } })
    expect(await open(`${token}/`, user.credentials)).toMatchObject({
      status: 200,
      body: { status: 'already_activated' },
    })
    const byCode = await call(app.url, 'POST', '/validation/', { key, basic: user.credentials, json: { code } })
    expect(byCode.body).toEqual({ status: 'already_activated' })
  })

  test('401 with a challenge without credentials, with wrong ones, and with another user’s', async () => {
    const user = await registerUser(app, key)
    const other = await registerUser(app, key)
    const { token } = user.mail()
    for (const basic of [undefined, { email: user.email, password: 'wrong password' }, other.credentials]) {
      const reply = await open(token, basic)
      expect(reply.status).toBe(401)
      expect(reply.headers.get('www-authenticate')).toStartWith('Basic realm="')
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
    }
    expect((await open(token, user.credentials)).status).toBe(200)
  })

  test('404 for an unknown token; credentials are checked first for presence only', async () => {
    const user = await registerUser(app, key)
    expect((await open('no-such-token', user.credentials)).status).toBe(404)
    expect((await open('no-such-token', { email: user.email, password: 'wrong password' })).status).toBe(404)
    expect((await open('no-such-token')).status).toBe(401)
  })

  test('410 after the lifetime; but already_activated wins over expiry', async () => {
    const user = await registerUser(app, key)
    const activated = await registerUser(app, key)
    await open(activated.mail().token, activated.credentials)
    time.advance(61)
    const late = await open(user.mail().token, user.credentials)
    expect(late.status).toBe(410)
    expect(late.headers.get('content-type')).toBe('application/problem+json')
    expect((await open(activated.mail().token, activated.credentials)).body).toEqual({ status: 'already_activated' })
    // Wrong credentials on an expired link are still a 401: credentials come before expiry.
    expect((await open(user.mail().token, { email: user.email, password: 'nope nope' })).status).toBe(401)
  })

  test('410 for a link replaced by a newer email; the newer link works', async () => {
    const user = await registerUser(app, key)
    const old = user.mail()
    const resent = await call(app.url, 'POST', '/validation/resend', { key, basic: user.credentials })
    expect(resent.status).toBe(202)
    const fresh = user.mail()
    expect(fresh.token).not.toBe(old.token)
    expect((await open(old.token, user.credentials)).status).toBe(410)
    expect((await open(fresh.token, user.credentials)).status).toBe(200)
  })

  describe('in a browser (Accept: text/html)', () => {
    test('each answer is a small HTML page with the same status and security headers', async () => {
      const user = await registerUser(app, key)
      const { token } = user.mail()
      const prompt = await open(token, undefined, HTML)
      expect(prompt.status).toBe(401)
      expect(prompt.headers.get('www-authenticate')).toStartWith('Basic realm="')
      expect(prompt.headers.get('content-type')).toStartWith('text/html')
      expect(prompt.text).toContain('<!DOCTYPE html>')

      const unknown = await open('no-such-token', user.credentials, HTML)
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get('content-type')).toStartWith('text/html')

      const activated = await open(token, user.credentials, HTML)
      expect(activated.status).toBe(200)
      expect(activated.text).toContain('activated')
      for (const header of ['content-security-policy', 'x-content-type-options', 'referrer-policy']) {
        expect(activated.headers.get(header)).toBeTruthy()
      }
      expect(activated.headers.get('cache-control')).toBe('no-store')

      const again = await open(token, user.credentials, HTML)
      expect(again.status).toBe(200)
      expect(again.text).toContain('Already activated')
    })

    test('an expired link shows the expired page with 410', async () => {
      const user = await registerUser(app, key)
      time.advance(61)
      const reply = await open(user.mail().token, { email: user.email, password: PASSWORD }, HTML)
      expect(reply.status).toBe(410)
      expect(reply.headers.get('content-type')).toStartWith('text/html')
      expect(reply.text).toContain('new activation code')
    })

    test('a client preferring JSON still gets JSON', async () => {
      const reply = await open('no-such-token', undefined, { accept: 'application/json, text/html;q=0.5' })
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
    })
  })
})
