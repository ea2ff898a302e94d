import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestApp, type TestApp } from './support/app'
import { call } from './support/http'
import { installed } from './support/installed'
import type { Answer, Document, Fixture, FuzzCase, Operation } from './support/openapi-fuzz'
import { requestReset } from './support/password-reset'
import { registerActivatedUser, registerUser } from './support/users'

// Passwords are hashed and verified with argon2id: a bound against hangs on a loaded
// machine (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

// The fuzz's tools are development dependencies: the production image, where
// `docker compose exec api bun test` runs, goes without them.
const hasFuzzTools = ['ajv', 'ajv-formats', 'fast-check', 'json-schema-faker'].every(installed)
if (!hasFuzzTools) console.log('skipped the OpenAPI fuzz: its tools are not installed (production dependencies only)')
const { checkAcceptance, checkAnswer, generateCases, operationsOf } = hasFuzzTools
  ? await import('./support/openapi-fuzz')
  : ({} as typeof import('./support/openapi-fuzz'))

/** FUZZ_SEED replays a run (it is in the test's name); the default keeps CI's cases the same from run to run. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261125)
const PER_OPERATION = Number(process.env.FUZZ_CASES ?? 45)

let app: TestApp
let document: Document
const answered: { fuzzCase: FuzzCase; answer: Answer }[] = []

beforeAll(async () => {
  // Cheap password hashing (hundreds of requests check Basic credentials), and resends allowed at once.
  // A delivery worker sends the reset emails whose codes the confirm needs.
  app = await startTestApp({
    env: {
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_TIME_COST: '1',
      RESEND_INTERVAL_SECONDS: '0',
      DELIVERY_WORKER: 'on',
      MAIL_POLL_INTERVAL_MS: '20',
    },
  })
  document = (await (await fetch(`${app.url}/docs/json`)).json()) as Document
})
afterAll(() => app.stop())

/** Operations that answer 2xx only for an activated user (the others need one still inactive, e.g. resend). */
const FOR_ACTIVATED_USERS = new Set(['POST /sign-in'])

/** A fresh server and user per operation, so a DELETE or an activation in one does not starve the next. */
async function fixture(operation: string): Promise<Fixture> {
  const { api_key: apiKey } = await app.createServer('fuzz')
  const user = await (FOR_ACTIVATED_USERS.has(operation) ? registerActivatedUser : registerUser)(app, apiKey)
  const { code, token } = user.mail()
  // The confirm needs the code of a reset email rather than the activation code.
  const codes =
    operation === 'POST /password-reset/confirm'
      ? [await requestReset(app, apiKey, user.email).then((r) => r.code())]
      : [code]
  return {
    apiKey,
    credentials: user.credentials,
    pathValues: { email: [user.email], token: [token] },
    fieldValues: { email: [user.email, user.email.toUpperCase()], password: [user.password], code: codes },
  }
}

async function send(fuzzCase: FuzzCase): Promise<Answer> {
  const response = await fetch(`${app.url}${fuzzCase.path}`, {
    method: fuzzCase.method,
    headers: fuzzCase.headers,
    body: fuzzCase.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

const report = (fuzzCase: FuzzCase, answer: Answer, problems: string[]) => ({
  request: `${fuzzCase.method} ${fuzzCase.path.slice(0, 120)}`,
  sent: fuzzCase.notes.join('; '),
  body:
    typeof fuzzCase.body === 'string' ? fuzzCase.body.slice(0, 200) : fuzzCase.body && `${fuzzCase.body.length} bytes`,
  answer: `${answer.status} ${answer.text.slice(0, 300)}`,
  problems,
})

/** The contract's order: a missing or unknown API key, then missing or unreadable Basic credentials, answer 401 first. */
function authOrderViolated(fuzzCase: FuzzCase, answer: Answer): boolean {
  const { apiKey, basicAuth } = fuzzCase.auth
  const unauthenticated =
    (apiKey !== undefined && apiKey !== 'valid') || basicAuth === 'missing' || basicAuth === 'malformed'
  return unauthenticated && answer.status !== 401
}

describe.skipIf(!hasFuzzTools)(`fuzzing every operation of /docs/json (FUZZ_SEED=${SEED})`, () => {
  test('valid and invalid requests: never a 5xx, every answer documented and matching its schema, errors as problem+json, 401 first', async () => {
    const failures: ReturnType<typeof report>[] = []
    const operations = operationsOf(document)
    for (const [index, entry] of operations.entries()) {
      const operation = `${entry.method} ${entry.path}`
      for (const fuzzCase of generateCases(entry, await fixture(operation), SEED + index, PER_OPERATION)) {
        const answer = await send(fuzzCase)
        answered.push({ fuzzCase, answer })
        const problems = [
          ...checkAnswer(entry.operation, answer),
          ...checkAcceptance(entry.operation, fuzzCase, answer),
        ]
        if (
          answer.status === 401 &&
          /auth\.invalid_credentials"/.test(answer.text) &&
          !answer.headers.has('www-authenticate')
        )
          problems.push('401 for Basic credentials without WWW-Authenticate')
        if (authOrderViolated(fuzzCase, answer)) problems.push('no valid credentials, yet not answered 401 first')
        if (problems.length) failures.push(report(fuzzCase, answer, problems))
      }
    }
    expect(answered.length).toBe(operations.length * PER_OPERATION)
    // Valid requests did reach the logic: every operation answered some 2xx. An operation that needs
    // values the fixture lacks (e.g. a code from another email) gets them from fixture().
    const unreached = operations
      .map(({ method, path }) => `${method} ${path}`)
      .filter((name) => !answered.some(({ fuzzCase, answer }) => fuzzCase.operation === name && answer.status < 300))
    expect(unreached).toEqual([])
    expect(failures).toEqual([])
  }, 120_000)
})

describe.skipIf(!hasFuzzTools)('the fuzz checks', () => {
  // Each check must be able to fail, or a green fuzz run proves nothing.
  test('flag a 5xx, an undocumented status or type, a body off its schema, a wrong problem status', async () => {
    const { api_key: key } = await app.createServer('fuzz-checks')
    const user = await registerUser(app, key)
    const operation = document.paths['/users/{email}']?.get as Operation
    const real = await fetch(`${app.url}/users/${user.email}`, { headers: { 'x-api-key': key } })
    const good: Answer = { status: real.status, headers: real.headers, text: await real.text() }
    expect(checkAnswer(operation, good)).toEqual([])

    const json = new Headers({ 'content-type': 'application/json' })
    const problemJson = new Headers({ 'content-type': 'application/problem+json' })
    const userBody = JSON.parse(good.text) as Record<string, unknown>
    const notFound = (await call(app.url, 'GET', '/users/nobody@example.com', { key })).body
    const wrong: Record<string, Answer> = {
      '5xx': { status: 502, headers: problemJson, text: JSON.stringify({ ...notFound, status: 502 }) },
      undocumented: { status: 418, headers: problemJson, text: JSON.stringify({ ...notFound, status: 418 }) },
      'error as plain text': { status: 404, headers: new Headers({ 'content-type': 'text/plain' }), text: 'nope' },
      'member not documented': {
        status: 200,
        headers: json,
        text: JSON.stringify({ ...userBody, password_hash: 'x' }),
      },
      'missing member': { status: 200, headers: json, text: JSON.stringify({ ...userBody, email: undefined }) },
      'problem status off': { status: 404, headers: problemJson, text: JSON.stringify({ ...notFound, status: 400 }) },
      'not JSON': { status: 200, headers: json, text: '{' },
    }
    for (const [name, answer] of Object.entries(wrong))
      expect({ name, problems: checkAnswer(operation, answer).length > 0 }).toEqual({ name, problems: true })

    const created = document.paths['/users/']?.post as Operation
    const withoutLocation: Answer = {
      status: 201,
      headers: json,
      text: JSON.stringify({ ...userBody, activation_email: 'sent' }),
    }
    expect(checkAnswer(created, withoutLocation)).toEqual(['201 without its required Location header'])
  })

  test('cases replay from their seed', () => {
    const entry = operationsOf(document).find(({ method, path }) => method === 'POST' && path === '/users/')
    if (!entry) throw new Error('POST /users/ is not in the document')
    const world: Fixture = {
      apiKey: 'key',
      credentials: { email: 'a@example.com', password: 'password1' },
      pathValues: {},
      fieldValues: {},
    }
    const strip = (cases: FuzzCase[]) => cases.map(({ body, ...rest }) => ({ ...rest, body: String(body) }))
    expect(strip(generateCases(entry, world, 7, 20))).toEqual(strip(generateCases(entry, world, 7, 20)))
    expect(strip(generateCases(entry, world, 7, 20))).not.toEqual(strip(generateCases(entry, world, 8, 20)))
  })
})

describe('methods the document does not list', () => {
  test('answer 405 problem+json with Allow naming the methods it lists for the path (RFC 9110)', async () => {
    const { api_key: key } = await app.createServer('fuzz-methods')
    const templates = Object.keys(document.paths).map((path) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`))
    for (const [path, operations] of Object.entries(document.paths)) {
      const listed = Object.keys(operations).map((method) => method.toUpperCase())
      const concrete = path.replace(/\{\w+\}/g, 'ann%40example.com')
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !listed.includes(m))) {
        // GET /validation/resend is GET /validation/{token} with the token "resend": another operation.
        const other = Object.entries(document.paths).some(
          ([otherPath, ops], i) => otherPath !== path && method.toLowerCase() in ops && templates[i]?.test(concrete),
        )
        if (other) continue
        const response = await fetch(`${app.url}${concrete}`, { method, headers: { 'x-api-key': key } })
        const body = (await response.json()) as { status: number }
        expect({ path, method, status: response.status, type: response.headers.get('content-type') }).toEqual({
          path,
          method,
          status: 405,
          type: 'application/problem+json',
        })
        expect({ path, method, allow: response.headers.get('allow') }).toEqual({
          path,
          method,
          allow: listed.sort().join(', '),
        })
        expect(body.status).toBe(405)
      }
    }
  })

  test('an unknown path still answers 404', async () => {
    const reply = await call(app.url, 'PATCH', '/nowhere/at/all')
    expect(reply.status).toBe(404)
    expect(reply.headers.get('allow')).toBeNull()
  })
})
