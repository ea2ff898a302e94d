import { createApp } from './app'
import { systemClock } from './clock'
import type { Config } from './config'
import { connect } from './db/client'
import { migrate } from './db/migrate'
import { QUERIES_DIR, Statements } from './db/statements'
import { createDelivery } from './delivery/delivery'
import { inboxRoutes } from './http/inbox.routes'
import { metricsResponse } from './http/metrics.routes'
import { createLogger, type Logger } from './log'
import { createMailer } from './mail/create-mailer'
import { type Inbox, inboxMailer } from './mail/inbox'
import { startMaintenance } from './maintenance/maintenance.runner'
import { createMaintenanceTasks } from './maintenance/maintenance.tasks'
import { createMetrics } from './metrics/metrics'
import { PortInUseError } from './os/port'
import { createPasswords } from './passwords'
import { createWebhooks } from './webhooks/webhooks'

/** How long in-flight requests may run on after SIGTERM before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000

export interface RunningServer {
  url: string
  log: Logger
  stop(): Promise<void>
}

export interface ServeOptions {
  /** Runs once the server and pool are closed (e.g. stopping an embedded database). */
  afterStop?: () => Promise<void>
  /** `dev` without Mailjet keys: emails are kept here too, and shown at /dev/inbox. */
  inbox?: Inbox
}

/**
 * Everything `start` and `dev` share: migrations → pool → app → listen, with
 * SIGINT/SIGTERM handled from before the first line is logged.
 */
export async function serve(config: Config, databaseUrl: string, options: ServeOptions = {}): Promise<RunningServer> {
  const log = createLogger(config.logLevel)
  await migrate(databaseUrl)
  const metrics = createMetrics()
  const sql = connect(databaseUrl, { timeoutMs: config.databaseTimeoutMs, log, events: metrics.database })
  const inbox = config.mailjet ? undefined : options.inbox
  const mailer = createMailer(config, log, undefined, inbox ? '/dev/inbox' : undefined)
  const base = {
    config,
    sql,
    statements: await Statements.load(QUERIES_DIR),
    mailer: inbox ? inboxMailer(mailer, inbox) : mailer,
    passwords: await createPasswords(config.argon2),
    clock: systemClock,
    log,
    metrics,
  }
  const deps = { ...base, delivery: createDelivery(base), webhooks: createWebhooks(base) }
  const app = createApp(deps)
  if (inbox) app.use(inboxRoutes(inbox))
  try {
    // No SO_REUSEPORT: a second process on this port fails instead of sharing its requests.
    app.listen({ port: config.port, hostname: config.host, reusePort: false })
  } catch (error) {
    await sql.end({ timeout: 1 })
    if ((error as { code?: string }).code === 'EADDRINUSE') throw new PortInUseError(config.port)
    throw error
  }
  const maintenance = startMaintenance(createMaintenanceTasks(deps), log)
  const url = `http://${config.host}:${app.server?.port}`
  const metricsServer = serveMetricsApart(config, deps.metrics)
  if (config.delivery.worker) {
    await deps.delivery.startWorker()
    await deps.webhooks.startWorker()
  }
  const server: RunningServer = {
    url,
    log,
    async stop() {
      // Stops accepting at once; resolves when in-flight requests have answered.
      const drained = app.stop(false).then(() => true)
      const grace = Bun.sleep(SHUTDOWN_GRACE_MS).then(() => false)
      if (!(await Promise.race([drained, grace]))) {
        log.warn('in-flight requests cut after the shutdown grace period', { grace_ms: SHUTDOWN_GRACE_MS })
        await app.stop(true)
      }
      await maintenance.stop()
      // The worker stops claiming; its sends (and the requests' background ones) get the same grace.
      await Promise.all([deps.delivery.stop(SHUTDOWN_GRACE_MS), deps.webhooks.stop(SHUTDOWN_GRACE_MS)])
      metricsServer?.stop(true)
      await sql.end({ timeout: 5 })
    },
  }
  stopOnSignals(server, options.afterStop ?? (async () => {}))
  log.info('listening', {
    url,
    docs: `${url}/docs`,
    metrics: metricsServer
      ? `http://${config.host}:${metricsServer.port}/metrics`
      : config.metrics.enabled
        ? `${url}/metrics`
        : null,
    delivery_worker: config.delivery.worker,
    pid: process.pid,
  })
  return server
}

/** With METRICS_PORT, /metrics is served there only, e.g. on a port the load balancer does not expose. */
function serveMetricsApart(config: Config, metrics: ReturnType<typeof createMetrics>) {
  if (!config.metrics.enabled || config.metrics.port === undefined) return undefined
  return Bun.serve({
    hostname: config.host,
    port: config.metrics.port,
    fetch: (request) =>
      new URL(request.url).pathname === '/metrics'
        ? metricsResponse(metrics)
        : new Response('Not found', { status: 404 }),
  })
}

function stopOnSignals(server: RunningServer, afterStop: () => Promise<void>): void {
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    server.log.info('stopping', { signal })
    await server.stop()
    await afterStop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}
