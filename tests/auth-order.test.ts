import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { basicHeader, call } from './support/http'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

// The contract's order on every route: API key (401), Basic credentials (401),
// limits (429), and only then the body (413, 415, 400, 422).
let app: TestApp
let key: string

beforeAll(async () => {
  app = await startTestApp()
  key = (await app.createServer()).api_key
})
afterAll(() => app.stop())

const BAD_BODIES: [string, string, string][] = [
  ['unparseable JSON', '{"email":', 'application/json'],
  ['a body of unknown fields', '{"x":1}', 'application/json'],
  ['a body that is not JSON', 'email=a@b.c', 'application/x-www-form-urlencoded'],
  ['a body over 16 KiB', JSON.stringify({ x: 'y'.repeat(20_000) }), 'application/json'],
  ['no body at all', '', 'application/json'],
]

const send = (method: string, path: string, body: string, type: string, headers: Record<string, string> = {}) =>
  call(app.url, method, path, { body, headers: { 'content-type': type, ...headers } })

function expectUnauthenticated(reply: Awaited<ReturnType<typeof call>>, basic: boolean) {
  expect(reply.status).toBe(401)
  expect(reply.headers.get('content-type')).toBe('application/problem+json')
  // Nothing about the body is said to a caller that has not authenticated.
  expect(reply.body.errors).toBeUndefined()
  if (basic) expect(reply.headers.get('www-authenticate')).toStartWith('Basic realm="')
}

describe('no API key, or a wrong one, with any body: 401 before the body', () => {
  for (const [what, body, type] of BAD_BODIES) {
    for (const [method, path] of [
      ['POST', '/users/'],
      ['POST', '/validation/'],
      ['POST', '/validation/resend'],
      ['DELETE', '/users/ann@example.com'],
    ]) {
      test(`${method} ${path} with ${what}`, async () => {
        expectUnauthenticated(await send(method as string, path as string, body, type), false)
        const wrongKey = await send(method as string, path as string, body, type, { 'x-api-key': 'not-a-key' })
        expectUnauthenticated(wrongKey, false)
      })
    }
  }

  test('POST /users/ with no key and {"x":1} lists no fields', async () => {
    const reply = await send('POST', '/users/', '{"x":1}', 'application/json')
    expectUnauthenticated(reply, false)
    expect(reply.text).not.toContain('email')
  })
})

describe('a valid key but no Basic credentials, or wrong ones: 401 with the challenge before the body', () => {
  for (const [what, body, type] of BAD_BODIES) {
    test(`POST /validation/ and /validation/resend with ${what}`, async () => {
      const user = await registerUser(app, key)
      for (const path of ['/validation/', '/validation/resend']) {
        expectUnauthenticated(await send('POST', path, body, type, { 'x-api-key': key }), true)
        const wrong = await send('POST', path, body, type, {
          'x-api-key': key,
          authorization: basicHeader(user.email, 'wrong password'),
        })
        expectUnauthenticated(wrong, true)
        const unknown = await send('POST', path, body, type, {
          'x-api-key': key,
          authorization: basicHeader(uniqueEmail(), PASSWORD),
        })
        expectUnauthenticated(unknown, true)
      }
    })
  }
})

describe('once authenticated, the body is judged', () => {
  test('POST /validation/ with the right credentials: 400, 415, 413, 422 as the body deserves', async () => {
    const user = await registerUser(app, key)
    const headers = { 'x-api-key': key, authorization: basicHeader(user.email, PASSWORD) }
    expect((await send('POST', '/validation/', '{"code":', 'application/json', headers)).status).toBe(400)
    expect((await send('POST', '/validation/', 'code=1', 'text/plain', headers)).status).toBe(415)
    expect((await send('POST', '/validation/', BAD_BODIES[3]?.[1] ?? '', 'application/json', headers)).status).toBe(413)
    const unknown = await send('POST', '/validation/', '{"x":1}', 'application/json', headers)
    expect(unknown.status).toBe(422)
    expect(unknown.body.errors).toBeArray()
  })

  test('POST /users/ with a key: the body’s own answers', async () => {
    const headers = { 'x-api-key': key }
    expect((await send('POST', '/users/', '{"email":', 'application/json', headers)).status).toBe(400)
    expect((await send('POST', '/users/', 'a=b', 'application/x-www-form-urlencoded', headers)).status).toBe(415)
    expect((await send('POST', '/users/', BAD_BODIES[3]?.[1] ?? '', 'application/json', headers)).status).toBe(413)
    expect((await send('POST', '/users/', '{"x":1}', 'application/json', headers)).status).toBe(422)
  })

  test('a body sent to a route that takes none is ignored once authenticated', async () => {
    const user = await registerUser(app, key)
    const reply = await send('DELETE', `/users/${encodeURIComponent(user.email)}`, '{"bad', 'application/json', {
      'x-api-key': key,
    })
    expect(reply.status).toBe(200)
  })
})

describe('a path escape that does not decode names nobody', () => {
  for (const path of ['/users/%FF', '/users/%FF/', '/users/%E0%A4%A', '/users/%E0%A4%A/']) {
    test(`GET and DELETE ${path}: 404 like an unknown user; 401 without a key`, async () => {
      for (const method of ['GET', 'DELETE']) {
        const reply = await call(app.url, method, path, { key })
        expect(reply.status).toBe(404)
        expect(reply.body.type).toEndWith('user.not_found')
        expect((await call(app.url, method, path)).status).toBe(401)
      }
    })
  }

  test('GET /validation/%FF/ with credentials: 404 like an unknown link', async () => {
    for (const path of ['/validation/%FF', '/validation/%FF/']) {
      const reply = await call(app.url, 'GET', path, { basic: { email: uniqueEmail(), password: PASSWORD } })
      expect(reply.status).toBe(404)
      expect(reply.body.type).toEndWith('activation.unknown_link')
    }
  })
})
