import { createApp } from '../../src/app'
import type { Clock } from '../../src/clock'
import { systemClock } from '../../src/clock'
import { type Config, parseConfig } from '../../src/config'
import { connect } from '../../src/db/client'
import { QUERIES_DIR, Statements } from '../../src/db/statements'
import { createDelivery } from '../../src/delivery/delivery'
import { createLogger } from '../../src/log'
import { createMailer } from '../../src/mail/create-mailer'
import { createMetrics } from '../../src/metrics/metrics'
import { createServersService } from '../../src/modules/servers/servers.service'
import { createPasswords } from '../../src/passwords'
import { codeKeys } from '../../src/secrets'
import { createWebhooks } from '../../src/webhooks/webhooks'
import { freePort, testDatabaseUrl } from './database'
import { startFakeMailjet } from './fake-mailjet'
import { cancelLeftoverEmails } from './queue'

export const PUBLIC_URL = 'https://accounts.example.test'
/** Not a real key: tests only. */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef-test'

const statements = Statements.load(QUERIES_DIR)
let serverCount = 0

export interface TestAppOptions {
  env?: Record<string, string>
  clock?: Clock
  mailTimeoutMs?: number
  /** Another way to the test database, e.g. through a proxy a test can cut. */
  databaseUrl?: string
  /** Emailed links point at this app itself (PUBLIC_URL = its own address), for a browser to open. */
  selfLinks?: boolean
  /** Receives each log line (LOG_LEVEL error unless `env` says otherwise). */
  onLog?: (line: string) => void
  /**
   * Cancels every email earlier test files left queued before this app's worker starts:
   * started first, its first round would send them (on a clock far ahead, all are due)
   * and spend a quota or cap the test counts on.
   */
  emptyQueue?: boolean
}

/**
 * The real app on a real port, on the test database, mailing a fake Mailjet.
 * Each call gets its own servers (tenants), so tests never see each other's users.
 */
export async function startTestApp(options: TestAppOptions = {}) {
  const mailjet = await startFakeMailjet()
  const port = options.selfLinks ? await freePort() : 0
  const config: Config = parseConfig({
    PUBLIC_URL: options.selfLinks ? `http://127.0.0.1:${port}` : PUBLIC_URL,
    MAILJET_API_KEY: 'test-key',
    MAILJET_API_SECRET: 'test-secret',
    MAILJET_API_URL: mailjet.url,
    MAIL_FROM_EMAIL: 'accounts@example.test',
    LOG_LEVEL: 'error',
    SECRET_KEY: TEST_SECRET_KEY,
    // Every test app asks from 127.0.0.1, so they would share one count of unknown links.
    LINK_MISSES_PER_MINUTE: '1000000',
    // Locked answers at once, unless a test is about holding them.
    AUTH_LOCKED_DELAY_MS: '0',
    ...options.env,
  })
  // Errors reach stderr (a failing test's cause, and hardly any otherwise); TEST_APP_LOG shows every line.
  const errorsOnly = (line: string) => void (line.includes('"level":"error"') && process.stderr.write(line))
  const log = createLogger(config.logLevel, options.onLog ?? (process.env.TEST_APP_LOG ? undefined : errorsOnly))
  const metrics = createMetrics()
  const sql = connect(options.databaseUrl ?? testDatabaseUrl(), {
    timeoutMs: config.databaseTimeoutMs,
    log,
    events: metrics.database,
  })
  const passwords = await createPasswords(config.argon2)
  let verifications = 0
  const base = {
    config,
    sql,
    statements: await statements,
    mailer: createMailer(config, log, options.mailTimeoutMs),
    // Counted, so tests can tell that a locked email costs no hash.
    passwords: {
      ...passwords,
      verify: (password: string, hash: string | undefined) => {
        verifications += 1
        return passwords.verify(password, hash)
      },
    },
    clock: options.clock ?? systemClock,
    log,
    metrics,
  }
  const deps = { ...base, delivery: createDelivery(base), webhooks: createWebhooks(base) }
  const app = createApp(deps).listen({ hostname: '127.0.0.1', port })
  if (options.emptyQueue) await cancelLeftoverEmails(sql)
  // The worker runs only where a test asks for it (DELIVERY_WORKER=on): the others see the request's own attempt alone.
  if (options.env?.DELIVERY_WORKER === 'on') {
    await deps.delivery.startWorker()
    await deps.webhooks.startWorker()
  }
  const url = `http://127.0.0.1:${app.server?.port}`
  const servers = createServersService({ ...deps, keys: codeKeys(config) })

  return {
    url,
    sql,
    mailjet,
    config,
    /** Passwords checked so far (argon2id verifications, real or dummy). */
    verifications: () => verifications,
    /** A fresh server (tenant) with its API key. */
    async createServer(prefix = 'app') {
      serverCount += 1
      return servers.create(`${prefix}-${serverCount}-${crypto.randomUUID().slice(0, 8)}`)
    },
    delivery: deps.delivery,
    webhooks: deps.webhooks,
    servers,
    async stop() {
      await app.stop(true)
      await deps.delivery.stop(1_000)
      await deps.webhooks.stop(1_000)
      mailjet.stop()
      await sql.end({ timeout: 5 })
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>
