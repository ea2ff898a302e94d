import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { PUBLIC_URL, startTestApp, type TestApp } from './support/app'
import { call } from './support/http'
import { PASSWORD, uniqueEmail } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

let app: TestApp
let key: string
let serverName: string

beforeAll(async () => {
  app = await startTestApp()
  const server = await app.createServer()
  key = server.api_key
  serverName = server.name
})
afterAll(() => app.stop())

const register = (json: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
  call(app.url, 'POST', '/users/', { key: options.key ?? key, json, headers: options.headers })

/** A body sent as it is, with the content type given. */
const registerRaw = (body: string, contentType = 'application/json') =>
  call(app.url, 'POST', '/users/', { key, body, headers: { 'content-type': contentType } })

describe('POST /users/', () => {
  test('201 with the user, its Location and activation_email "sent"', async () => {
    const email = uniqueEmail('Ann')
    const reply = await register({
      email,
      password: PASSWORD,
      first_name: 'Ann',
      last_name: 'Lee',
      birth_date: '1990-05-17',
    })
    expect(reply.status).toBe(201)
    expect(reply.headers.get('location')).toBe(`/users/${email}`)
    expect(reply.headers.get('content-type')).toContain('application/json')
    expect(reply.body).toEqual({
      id: expect.any(String),
      server: serverName,
      email,
      first_name: 'Ann',
      last_name: 'Lee',
      birth_date: '1990-05-17',
      is_activated: false,
      activated_at: null,
      last_sign_in_at: null,
      time_created: expect.any(String),
      time_updated: expect.any(String),
      activation_email: 'sent',
    })
    expect(new Date(reply.body.time_created as string).toISOString()).toBe(reply.body.time_created as string)
  })

  test('optional fields may be omitted or null', async () => {
    const reply = await register({ email: uniqueEmail(), password: PASSWORD, first_name: null, birth_date: null })
    expect(reply.status).toBe(201)
    expect(reply.body.first_name).toBeNull()
    expect(reply.body.last_name).toBeNull()
    expect(reply.body.birth_date).toBeNull()
  })

  test('the path answers without the trailing slash too', async () => {
    const reply = await call(app.url, 'POST', '/users', { key, json: { email: uniqueEmail(), password: PASSWORD } })
    expect(reply.status).toBe(201)
  })

  test('sends one Mailjet v3.1 message with the code and the whole link, after the commit', async () => {
    const email = uniqueEmail()
    const committedWhenSent: number[] = []
    app.mailjet.onRequest(async () => {
      // Another connection sees only committed rows: the user and its code must be there already.
      const [row] = await app.sql`SELECT count(*)::int AS n FROM users u JOIN activations a ON a.user_id = u.id
                                  WHERE u.email = ${email}`
      committedWhenSent.push(row?.n)
    })
    await register({ email, password: PASSWORD, first_name: 'Zoé', last_name: 'Durand' })
    app.mailjet.onRequest(async () => {})
    expect(committedWhenSent).toEqual([1])
    const mail = app.mailjet.lastMailTo(email)
    expect(mail.request.path).toBe('/v3.1/send')
    expect(mail.request.authorization).toBe(`Basic ${btoa('test-key:test-secret')}`)
    expect(mail.request.contentType).toContain('application/json')
    const [message] = mail.request.body.Messages
    expect(mail.request.body.Messages).toHaveLength(1)
    expect(message?.From).toEqual({ Email: 'accounts@example.test', Name: serverName })
    expect(message?.To).toEqual([{ Email: email, Name: 'Zoé Durand' }])
    expect(message?.Subject).toContain(serverName)
    expect(message?.TextPart).toMatch(/code: \d{4}\b/)
    expect(mail.link).toStartWith(`${PUBLIC_URL}/validation/`)
    expect(mail.token.length).toBeGreaterThanOrEqual(22) // ≥ 128 bits in base64url
    expect(message?.HTMLPart).toContain(mail.code)
    expect(message?.HTMLPart).toContain(mail.link)
  })

  test('the same email may register with another server, as a separate user', async () => {
    const email = uniqueEmail()
    const other = await app.createServer()
    const first = await register({ email, password: PASSWORD })
    const second = await register({ email, password: PASSWORD }, { key: other.api_key })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.body.id).not.toBe(first.body.id)
    expect(second.body.server).toBe(other.name)
  })

  test('409 when the server already has the email, in any case', async () => {
    const email = uniqueEmail('Case')
    expect((await register({ email, password: PASSWORD })).status).toBe(201)
    const again = await register({ email: email.toUpperCase(), password: PASSWORD })
    expect(again.status).toBe(409)
    expect(again.headers.get('content-type')).toBe('application/problem+json')
    expect(again.body).toMatchObject({ status: 409, title: expect.any(String), detail: expect.any(String) })
    expect(again.body.type).toEqual(expect.any(String))
  })

  test('401 without an API key, with an unknown one, and with a deleted server’s', async () => {
    const json = { email: uniqueEmail(), password: PASSWORD }
    const missing = await call(app.url, 'POST', '/users/', { json })
    expect(missing.status).toBe(401)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect((await register(json, { key: 'not-a-key' })).status).toBe(401)
    const doomed = await app.createServer()
    await app.sql`DELETE FROM servers WHERE name = ${doomed.name}`
    expect((await register(json, { key: doomed.api_key })).status).toBe(401)
  })

  describe('422 names each invalid or unknown field', () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['a malformed email', { email: 'not-an-email', password: PASSWORD }, ['email']],
      [
        'an email over 254 characters',
        { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, password: PASSWORD },
        ['email'],
      ],
      ['a 7-character password', { email: uniqueEmail(), password: 'short12' }, ['password']],
      ['a 129-character password', { email: uniqueEmail(), password: 'p'.repeat(129) }, ['password']],
      [
        'names over 100 characters',
        { email: uniqueEmail(), password: PASSWORD, first_name: 'f'.repeat(101), last_name: 'l'.repeat(101) },
        ['first_name', 'last_name'],
      ],
      [
        'a name with a NUL character',
        { email: uniqueEmail(), password: PASSWORD, last_name: 'a\u0000b' },
        ['last_name'],
      ],
      ['a name that is not a string', { email: uniqueEmail(), password: PASSWORD, first_name: 42 }, ['first_name']],
      [
        'a date that does not exist',
        { email: uniqueEmail(), password: PASSWORD, birth_date: '2021-02-29' },
        ['birth_date'],
      ],
      [
        'a date in another format',
        { email: uniqueEmail(), password: PASSWORD, birth_date: '17/05/1990' },
        ['birth_date'],
      ],
      [
        'a birth date in the future',
        { email: uniqueEmail(), password: PASSWORD, birth_date: '2999-01-01' },
        ['birth_date'],
      ],
      ['missing email and password', {}, ['email', 'password']],
      ['an unknown field', { email: uniqueEmail(), password: PASSWORD, is_activated: true }, ['is_activated']],
      // Lengths count characters, not UTF-16 units: these are 7 and 129 characters.
      ['a 7-emoji password', { email: uniqueEmail(), password: '😀'.repeat(7) }, ['password']],
      ['a 129-emoji password', { email: uniqueEmail(), password: '😀'.repeat(129) }, ['password']],
      [
        'a name of 101 emoji',
        { email: uniqueEmail(), password: PASSWORD, first_name: '😀'.repeat(101) },
        ['first_name'],
      ],
      // JSON can carry a lone surrogate; UTF-8 (and so PostgreSQL) cannot: it would come back as U+FFFD.
      [
        'a name with a lone surrogate',
        { email: uniqueEmail(), password: PASSWORD, first_name: 'a\uD800b' },
        ['first_name'],
      ],
      ['a password with a lone surrogate', { email: uniqueEmail(), password: `${PASSWORD}\uDC00` }, ['password']],
    ]
    for (const [name, json, fields] of cases) {
      test(name, async () => {
        const reply = await register(json)
        expect(reply.status).toBe(422)
        expect(reply.headers.get('content-type')).toBe('application/problem+json')
        const errors = reply.body.errors as { field: string; message: string }[]
        expect(errors.map((e) => e.field).sort()).toEqual(fields.sort())
        for (const error of errors) expect(error.message.length).toBeGreaterThan(0)
      })
    }

    test('a body that is not an object', async () => {
      const reply = await register([1, 2])
      expect(reply.status).toBe(422)
      expect(reply.body.errors).toEqual([{ field: 'body', message: expect.any(String) }])
    })

    test('an email of exactly 254 characters and a 128-character password are accepted', async () => {
      const local = `x${crypto.randomUUID().replaceAll('-', '')}`.padEnd(64, 'x')
      const email = `${local}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`
      expect(email).toHaveLength(254)
      expect((await register({ email, password: 'p'.repeat(128) })).status).toBe(201)
    })

    test('names of 100 emoji and passwords of 8 or 128 emoji are accepted: lengths count characters', async () => {
      const name = '👩🏽‍💻'.repeat(25) // 4 characters each
      const reply = await register({ email: uniqueEmail(), password: '😀'.repeat(128), first_name: name })
      expect(reply.status).toBe(201)
      expect(reply.body.first_name).toBe(name)
      expect((await register({ email: uniqueEmail(), password: '😀'.repeat(8) })).status).toBe(201)
    })

    test('a rejected registration stores nothing', async () => {
      const email = uniqueEmail()
      expect((await register({ email, password: 'short' })).status).toBe(422)
      expect((await call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key })).status).toBe(404)
    })
  })

  test('400 for unparseable JSON', async () => {
    const reply = await registerRaw('{"email": "a@b.io",')
    expect(reply.status).toBe(400)
    expect(reply.headers.get('content-type')).toBe('application/problem+json')
    expect(reply.body).toMatchObject({ status: 400 })
  })

  test('400 for an empty JSON body', async () => {
    expect((await registerRaw('')).status).toBe(400)
  })

  test('413 for a body over 16 KiB', async () => {
    const reply = await register({ email: uniqueEmail(), password: PASSWORD, first_name: 'x'.repeat(17 * 1024) })
    expect(reply.status).toBe(413)
    expect(reply.headers.get('content-type')).toBe('application/problem+json')
  })

  test('413 as problem+json for a 2 MiB body, and for a chunked one without Content-Length', async () => {
    const big = await registerRaw('x'.repeat(2 * 1024 * 1024))
    expect(big.status).toBe(413)
    expect(big.headers.get('content-type')).toBe('application/problem+json')

    const piece = new TextEncoder().encode(' '.repeat(8 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 4) controller.enqueue(piece)
        else controller.close()
      },
    })
    const chunked = await fetch(`${app.url}/users/`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: stream,
    })
    expect(chunked.status).toBe(413)
    expect(chunked.headers.get('content-type')).toBe('application/problem+json')
  })

  test('415 for a body that is not JSON', async () => {
    const form = await registerRaw(`email=${uniqueEmail()}&password=${PASSWORD}`, 'application/x-www-form-urlencoded')
    expect(form.status).toBe(415)
    expect(form.headers.get('content-type')).toBe('application/problem+json')
    expect((await registerRaw('{}', 'text/plain')).status).toBe(415)
  })

  test('no answer ever contains the password or a hash', async () => {
    const email = uniqueEmail()
    const password = 'a-very-distinct-password'
    const created = await register({ email, password })
    const read = await call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key })
    const deleted = await call(app.url, 'DELETE', `/users/${encodeURIComponent(email)}`, { key })
    for (const reply of [created, read, deleted]) {
      expect(reply.text).not.toContain(password)
      expect(reply.text).not.toContain('argon2')
      expect(reply.text).not.toContain('hash')
    }
  })
})
