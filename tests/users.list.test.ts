import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { startTestApp, type TestApp } from './support/app'
import { manualClock } from './support/clock'
import { call } from './support/http'
import { registerActivatedUser, registerUser } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

const time = manualClock(new Date('2026-11-25T09:00:00.000Z'))
let app: TestApp

beforeAll(async () => {
  app = await startTestApp({ clock: time.clock })
})
afterAll(() => app.stop())

// Any argon2id-looking hash: these users are listed, never signed in.
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'

interface Seeded {
  email: string
  time: string
  activated?: boolean
}

/** Users inserted directly, at exact times (microseconds included), for paging at scale. */
async function seedUsers(serverId: string, users: Seeded[]): Promise<void> {
  const rows = users.map((u) => ({
    server_id: serverId,
    email: u.email,
    password_hash: HASH,
    is_activated: u.activated ?? false,
    activated_at: u.activated ? u.time : null,
    time_created: u.time,
    time_updated: u.time,
  }))
  await app.sql`INSERT INTO users ${app.sql(rows)}`
}

/** Newest first, ties by id descending: the order the list promises. */
async function expectedOrder(serverId: string, where = app.sql`true`): Promise<string[]> {
  const rows = await app.sql`SELECT email FROM users WHERE server_id = ${serverId} AND ${where}
    ORDER BY time_created DESC, id DESC`
  return rows.map((r) => r.email as string)
}

const list = (key: string, query = '') => call(app.url, 'GET', `/users/${query}`, { key })

/** Every page, following `next`, with `query` on each request. */
async function walk(key: string, query: string): Promise<{ emails: string[]; pages: number }> {
  const emails: string[] = []
  let pages = 0
  let after: string | null = null
  do {
    const params = new URLSearchParams(query)
    if (after) params.set('after', after)
    const reply = await list(key, `?${params}`)
    expect(reply.status).toBe(200)
    pages += 1
    emails.push(...(reply.body.users as { email: string }[]).map((u) => u.email))
    after = reply.body.next as string | null
  } while (after && pages < 1000)
  return { emails, pages }
}

describe('GET /users/', () => {
  test('200 with the server’s users newest first, as GET /users/{email} shows them; with and without slash', async () => {
    const server = await app.createServer()
    const first = await registerUser(app, server.api_key)
    time.advance(1)
    const second = await registerActivatedUser(app, server.api_key)
    time.advance(1)
    const third = await registerUser(app, server.api_key)
    await call(app.url, 'POST', '/sign-in', { key: server.api_key, basic: second.credentials })
    for (const path of ['/users/', '/users']) {
      const reply = await call(app.url, 'GET', path, { key: server.api_key })
      expect(reply.status).toBe(200)
      expect(reply.headers.get('content-type')).toContain('application/json')
      expect(Object.keys(reply.body).sort()).toEqual(['next', 'users'])
      expect(reply.body.next).toBeNull()
      const users = reply.body.users as Record<string, unknown>[]
      expect(users.map((u) => u.email)).toEqual([third.email, second.email, first.email])
      for (const user of users) {
        const read = await call(app.url, 'GET', `/users/${encodeURIComponent(user.email as string)}`, {
          key: server.api_key,
        })
        expect(user).toEqual(read.body)
      }
      expect(users[1]?.last_sign_in_at).toBe(time.clock().toISOString())
      expect(JSON.stringify(users)).not.toContain('argon2')
    }
  })

  test('each listed user is what GET /users/{email} answers: any character, any microsecond', async () => {
    const server = await app.createServer()
    const email = `O'Brien+List@example.com`
    await app.sql`INSERT INTO users ${app.sql({
      server_id: server.id,
      email,
      password_hash: HASH,
      first_name: 'Zoë "the\\quoted"\n😀',
      last_name: '\u0001<tab>\t',
      birth_date: '1999-12-31',
      is_activated: true,
      activated_at: '2026-11-25T08:59:59.999999Z',
      last_sign_in_at: '2026-11-25T08:59:59.000001Z',
      time_created: '2026-11-25T08:59:58.999500Z',
      time_updated: '2026-11-25T08:59:59.999999Z',
    })}`
    const page = await list(server.api_key)
    expect(page.headers.get('x-request-id')).toBeTruthy()
    const read = await call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key: server.api_key })
    expect(page.body).toEqual({ users: [read.body], next: null })
    expect(read.body).toMatchObject({ activated_at: '2026-11-25T08:59:59.999Z', birth_date: '1999-12-31' })
  })

  test('an empty server answers an empty page', async () => {
    const server = await app.createServer()
    const reply = await list(server.api_key)
    expect(reply.status).toBe(200)
    expect(reply.body).toEqual({ users: [], next: null })
  })

  test('pages of 50 by default; following next visits every user once, in order, ties and microseconds included', async () => {
    const server = await app.createServer()
    const base = Date.parse('2026-11-20T00:00:00.000Z')
    const users: Seeded[] = Array.from({ length: 123 }, (_, i) => {
      // Groups of three share an instant; within a millisecond, times differ by microseconds.
      const ms = new Date(base + Math.floor(i / 6) * 1000).toISOString().slice(0, 23)
      const micros = String((Math.floor(i / 3) % 2) * 500).padStart(3, '0')
      return { email: `paged.${i}@example.com`, time: `${ms}${micros}Z` }
    })
    await seedUsers(server.id, users)
    const expected = await expectedOrder(server.id)

    const firstPage = await list(server.api_key)
    expect((firstPage.body.users as unknown[]).length).toBe(50)
    expect(firstPage.body.next).toEqual(expect.any(String))

    for (const limit of [1, 7, 50, 123, 200]) {
      const { emails, pages } = await walk(server.api_key, `limit=${limit}`)
      expect(emails).toEqual(expected)
      expect(pages).toBe(Math.max(1, Math.ceil(123 / limit)))
    }
  })

  test('a page does not shift when users are added before it or its cursor’s user is deleted', async () => {
    const server = await app.createServer()
    const base = Date.parse('2026-11-21T00:00:00.000Z')
    await seedUsers(
      server.id,
      Array.from({ length: 10 }, (_, i) => ({
        email: `stable.${i}@example.com`,
        time: new Date(base + i * 1000).toISOString(),
      })),
    )
    const expected = await expectedOrder(server.id)
    const page = await list(server.api_key, '?limit=4')
    const users = page.body.users as { email: string }[]
    expect(users.map((u) => u.email)).toEqual(expected.slice(0, 4))
    await registerUser(app, server.api_key)
    await call(app.url, 'DELETE', `/users/${encodeURIComponent(users[3]?.email ?? '')}`, { key: server.api_key })
    const next = await list(server.api_key, `?limit=4&after=${page.body.next}`)
    expect((next.body.users as { email: string }[]).map((u) => u.email)).toEqual(expected.slice(4, 8))
  })

  test('?activated=true|false lists only activated or only inactive users, on every page', async () => {
    const server = await app.createServer()
    const base = Date.parse('2026-11-22T00:00:00.000Z')
    await seedUsers(
      server.id,
      Array.from({ length: 30 }, (_, i) => ({
        email: `state.${i}@example.com`,
        time: new Date(base + i * 1000).toISOString(),
        activated: i % 3 === 0,
      })),
    )
    const activated = await walk(server.api_key, 'activated=true&limit=4')
    expect(activated.emails).toEqual(await expectedOrder(server.id, app.sql`is_activated`))
    expect(activated.emails).toHaveLength(10)
    const inactive = await walk(server.api_key, 'activated=false&limit=4')
    expect(inactive.emails).toEqual(await expectedOrder(server.id, app.sql`NOT is_activated`))
    expect(inactive.emails).toHaveLength(20)
    const page = await list(server.api_key, '?activated=true')
    expect((page.body.users as { is_activated: boolean }[]).every((u) => u.is_activated)).toBe(true)
  })

  test('?email_prefix= compares case-insensitively and takes % and _ as plain characters', async () => {
    const server = await app.createServer()
    const emails = [
      'Ann.Lee@example.com',
      'ann_y@example.com',
      'annzy@example.com',
      'an%b@example.com',
      'anxb@example.com',
      'bob@example.com',
    ]
    const base = Date.parse('2026-11-23T00:00:00.000Z')
    await seedUsers(
      server.id,
      emails.map((email, i) => ({ email, time: new Date(base + i * 1000).toISOString(), activated: i % 2 === 0 })),
    )
    const prefixed = async (prefix: string, extra = '') =>
      (await walk(server.api_key, `email_prefix=${encodeURIComponent(prefix)}&limit=2${extra}`)).emails
    expect(await prefixed('ANN')).toEqual(['annzy@example.com', 'ann_y@example.com', 'Ann.Lee@example.com'])
    expect(await prefixed('ann_')).toEqual(['ann_y@example.com'])
    expect(await prefixed('an%')).toEqual(['an%b@example.com'])
    expect(await prefixed('%')).toEqual([])
    expect(await prefixed('_')).toEqual([])
    expect(await prefixed('ann', '&activated=true')).toEqual(['annzy@example.com', 'Ann.Lee@example.com'])
    expect(await prefixed('bob@example.com')).toEqual(['bob@example.com'])
    expect(await prefixed('')).toHaveLength(emails.length)
    expect(await prefixed('zed')).toEqual([])
  })

  test('parameters it does not know are ignored', async () => {
    const server = await app.createServer()
    const user = await registerUser(app, server.api_key)
    const reply = await list(server.api_key, '?sort=email&_=1732525200&limit=5')
    expect(reply.status).toBe(200)
    expect((reply.body.users as { email: string }[]).map((u) => u.email)).toEqual([user.email])
  })

  test('a server never sees another server’s users', async () => {
    const mine = await app.createServer()
    const other = await app.createServer()
    await registerUser(app, other.api_key)
    const own = await registerUser(app, mine.api_key)
    const reply = await list(mine.api_key)
    expect((reply.body.users as { email: string }[]).map((u) => u.email)).toEqual([own.email])
  })

  test('401 without a valid API key, before anything is said about the parameters', async () => {
    const server = await app.createServer()
    for (const key of ['', `${server.api_key}x`]) {
      for (const query of ['', '?limit=0&activated=yes']) {
        const reply = await list(key, query)
        expect(reply.status).toBe(401)
        expect(reply.body.type).toBe('urn:registration-api:problem:auth.invalid_api_key')
        expect(reply.body.errors).toBeUndefined()
      }
    }
  })

  test('422 problem+json naming each bad parameter', async () => {
    const server = await app.createServer()
    await registerUser(app, server.api_key)
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=', 'limit'],
      ['activated=yes', 'activated'],
      ['activated=1', 'activated'],
      ['activated=', 'activated'],
      ['email_prefix=a%00b', 'email_prefix'],
      [`email_prefix=${'a'.repeat(255)}`, 'email_prefix'],
      ['after=', 'after'],
      ['after=not+a+cursor', 'after'],
    ]
    for (const [query, field] of cases) {
      const reply = await list(server.api_key, `?${query}`)
      expect({ query, status: reply.status }).toEqual({ query, status: 422 })
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
      expect(reply.body.type).toBe('urn:registration-api:problem:request.invalid_query')
      expect(reply.body.errors).toEqual([{ field, message: expect.any(String) }])
    }
  })

  test('422 user.unknown_cursor for an after of the documented form that this service did not make', async () => {
    const server = await app.createServer()
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const id = '0b9f3c52-7f0e-4a57-9d1e-3c7cfb1f2a10'
    for (const after of [
      'bm90LWEtY3Vyc29y',
      'x',
      forged({ t: '2026-02-30T00:00:00.000000Z', id }),
      forged({ t: '0000-01-01T00:00:00.000000Z', id }),
      forged({ t: '2026-11-25T09:00:00.000000Z', id: 'not-a-uuid' }),
      forged([1, 2]),
    ]) {
      const reply = await list(server.api_key, `?after=${after}`)
      expect({ after, status: reply.status }).toEqual({ after, status: 422 })
      expect(reply.body.type).toBe('urn:registration-api:problem:user.unknown_cursor')
      expect(reply.body.errors).toEqual([{ field: 'after', message: expect.any(String) }])
    }
  })
})

describe('the list’s indexes', () => {
  test('each kind of page is an index range read, never a scan of the table or a sort of a server’s users', async () => {
    const [big, ...others] = await Promise.all(Array.from({ length: 6 }, () => app.createServer()))
    const seed = (serverId: string, count: number) => app.sql`
      INSERT INTO users (server_id, email, password_hash, is_activated, activated_at, time_created, time_updated)
      SELECT ${serverId}, 'indexed.' || n || '@example.com', ${HASH}, n % 10 = 0,
             CASE WHEN n % 10 = 0 THEN t END, t, t
      FROM generate_series(1, ${count}::int) AS n,
           LATERAL (SELECT timestamptz '2026-01-01' + n * interval '1 second' AS t) AS times`
    await seed(big?.id ?? '', 20_000)
    for (const server of others) await seed(server.id, 2_000)
    await app.sql`ANALYZE users`

    const statement = (await Statements.load(QUERIES_DIR)).get('users/select_users_page')
    const plan = async (params: unknown[]) => {
      const [row] = await app.sql.unsafe(`EXPLAIN (FORMAT JSON) ${statement.text}`, params as never[])
      return JSON.stringify(row?.['QUERY PLAN'])
    }
    const deep = ['2026-01-01T03:00:00.000000Z', '00000000-0000-0000-0000-000000000000']
    // One user in ten is activated: inactive users are common enough to be found on the time index alone.
    const pages: [string, unknown[], string[]][] = [
      ['first page', [big?.id, null, null, null, 51, null], ['users_server_created_idx']],
      ['deep page', [big?.id, ...deep, null, 51, null], ['users_server_created_idx']],
      ['activated', [big?.id, null, null, true, 51, null], ['users_server_activated_created_idx']],
      ['activated, deep', [big?.id, ...deep, true, 51, null], ['users_server_activated_created_idx']],
      [
        'inactive, deep',
        [big?.id, ...deep, false, 51, null],
        ['users_server_activated_created_idx', 'users_server_created_idx'],
      ],
      ['rare prefix', [big?.id, null, null, null, 51, 'indexed.1234'], ['users_server_email_prefix_idx']],
      ['common prefix', [big?.id, null, null, null, 51, 'indexed.1'], ['users_server_created_idx']],
    ]
    for (const [name, params, indexes] of pages) {
      const text = await plan(params)
      const used = indexes.some((index) => text.includes(`"Index Name":"${index}"`))
      expect({ name, used }).toEqual({ name, used: true })
      expect({ name, seqScan: text.includes('Seq Scan') }).toEqual({ name, seqScan: false })
      // Only a rare prefix is found by email and then sorted: its few users.
      if (name !== 'rare prefix') expect({ name, sort: text.includes('"Sort"') }).toEqual({ name, sort: false })
    }
  })
})
