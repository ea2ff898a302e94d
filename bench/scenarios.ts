/** One HTTP request, fully formed, so wrk and autocannon send the very same bytes. */
export interface BenchRequest {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

/** A load: requests are sent in order, cycling, each generator thread on its own slice. */
export interface Scenario {
  name: string
  requests: BenchRequest[]
  expectedStatus: number
  /** Count the answers by status (wrk then runs a Lua callback per response, so only where it matters). */
  countStatuses?: boolean | 'per-second'
}

export const SEEDED_USERS = 10_000
export const CODE_USERS = 5_000
export const SIGN_IN_USERS = 5_000
export const LISTED_USERS = 100_000
export const OTHER_SERVERS = 10
export const OTHER_SERVER_USERS = 10_000
export const PASSWORD = 'bench-password-1'
export const CODE = '4821'
/** An existing user a guesser tries wrong passwords for. */
export const GUESSED_EMAIL = 'user-1@bench.test'

const basic = (email: string) => `Basic ${Buffer.from(`${email}:${PASSWORD}`).toString('base64')}`

export function readUser(apiKey: string): Scenario {
  return {
    name: 'GET /users/{email}',
    expectedStatus: 200,
    requests: Array.from({ length: SEEDED_USERS }, (_, i) => ({
      method: 'GET',
      path: `/users/user-${i + 1}%40bench.test`,
      headers: { 'x-api-key': apiKey },
    })),
  }
}

/** Unique emails: more than a 10-second run at the argon2id rate can send. */
export function register(apiKey: string, runId: string, count = 20_000): Scenario {
  return {
    name: 'POST /users/',
    expectedStatus: 201,
    requests: Array.from({ length: count }, (_, i) => ({
      method: 'POST',
      path: '/users/',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `new-${runId}-${i}@bench.test`, password: PASSWORD, first_name: 'Load' }),
    })),
  }
}

/**
 * A password guesser: one email, wrong passwords, as fast as it can. Once locked
 * it gets 429 without any hash; each 401 it gets is one argon2id hash.
 */
export function guessPasswords(apiKey: string): Scenario {
  return {
    name: 'POST /validation/ wrong passwords, one email',
    expectedStatus: 429,
    countStatuses: true,
    requests: Array.from({ length: 100 }, (_, i) => ({
      method: 'POST',
      path: '/validation/',
      headers: {
        'x-api-key': apiKey,
        authorization: `Basic ${Buffer.from(`${GUESSED_EMAIL}:guess-${i}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ code: CODE }),
    })),
  }
}

/** The right code for seeded inactive users: the first request activates, a repeat is already_activated (same cost). */
export function activateByCode(apiKey: string): Scenario {
  return {
    name: 'POST /validation/',
    expectedStatus: 200,
    requests: Array.from({ length: CODE_USERS }, (_, i) => ({
      method: 'POST',
      path: '/validation/',
      headers: {
        'x-api-key': apiKey,
        authorization: basic(`code-${i + 1}@bench.test`),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ code: CODE }),
    })),
  }
}

/** Activated seeded users with their right password: each request is one argon2id verify. */
export function signIn(apiKey: string): Scenario {
  return {
    name: 'POST /sign-in',
    expectedStatus: 200,
    requests: Array.from({ length: SIGN_IN_USERS }, (_, i) => ({
      method: 'POST',
      path: '/sign-in',
      headers: { 'x-api-key': apiKey, authorization: basic(`signin-${i + 1}@bench.test`) },
    })),
  }
}

/** Pages of the 100,000-user list, first and deep, filtered and not: `pages` are their query strings. */
export function listUsers(apiKey: string, pages: string[]): Scenario {
  return {
    name: `GET /users/ (${LISTED_USERS.toLocaleString('en-US')} users, any page)`,
    expectedStatus: 200,
    requests: pages.map((query) => ({ method: 'GET', path: `/users/?${query}`, headers: { 'x-api-key': apiKey } })),
  }
}
