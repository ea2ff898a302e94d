import type { Clock } from './clock'
import type { Config } from './config'
import type { Sql } from './db/client'
import type { Statements } from './db/statements'
import type { Delivery } from './delivery/delivery'
import type { Logger } from './log'
import type { Mailer } from './mail/mailer'
import type { Metrics } from './metrics/metrics'
import type { Passwords } from './passwords'
import type { Webhooks } from './webhooks/webhooks'

/** What the HTTP app needs from outside; tests pass their own clock and mailer. */
export interface Deps {
  config: Config
  sql: Sql
  statements: Statements
  mailer: Mailer
  passwords: Passwords
  clock: Clock
  log: Logger
  metrics: Metrics
  /** The outbox; built from the rest by createDelivery. */
  delivery: Delivery
  /** Webhook events and their worker; built from the rest by createWebhooks. */
  webhooks: Webhooks
}
