/** The environment, parsed and validated once at start. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface MailjetCredentials {
  apiKey: string
  apiSecret: string
}

/** argon2id cost; 19 MiB and 2 passes is OWASP's minimum. */
export interface Argon2Params {
  memoryCost: number
  timeCost: number
}

/** Password guessing: attempts per (server, email) in a window, then locks that double up to a cap. */
export interface AuthLimits {
  maxFailures: number
  failureWindowSeconds: number
  lockoutSeconds: number
  maxLockoutSeconds: number
  /** How long a locked email's 429 is held before it is sent (see password-guard.ts). */
  lockedDelayMs: number
}

export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  publicUrl: string
  mailjet: MailjetCredentials | undefined
  mailjetApiUrl: string
  mailFromEmail: string
  activationTtlSeconds: number
  activationMaxAttempts: number
  resendIntervalSeconds: number
  /** How long a password-reset code lives after its email was sent. */
  resetTtlSeconds: number
  logLevel: LogLevel
  argon2: Argon2Params
  auth: AuthLimits
  registrationsPerMinute: number
  linkMissesPerMinute: number
  unactivatedTtlSeconds: number
  retentionSeconds: number
  trustProxy: boolean
  /** Keys the HMAC of stored codes; required by `start`, made and kept by `dev`. */
  secretKey: string | undefined
  /** The former SECRET_KEY, still accepted for live codes during a rotation. */
  secretKeyPrevious: string | undefined
  delivery: DeliveryConfig
  metrics: MetricsConfig
  /** Longest a request waits on PostgreSQL (connecting, a statement, a transaction) before answering 503. */
  databaseTimeoutMs: number
  /** How long an Idempotency-Key stays locked by a run that has not answered (one whose instance died). */
  idempotencyLockSeconds: number
  webhooks: WebhooksConfig
}

/** Webhook deliveries (README, "Webhooks"); they share the outbox's lease and poll interval. */
export interface WebhooksConfig {
  /** Lets webhooks reach loopback, private and link-local addresses (tests only). */
  allowPrivate: boolean
  timeoutMs: number
  retryBaseSeconds: number
  giveUpSeconds: number
}

/** The outbox and its worker (README, "Delivery"). */
export interface DeliveryConfig {
  worker: boolean
  dailyLimit: number | undefined
  monthlyLimit: number | undefined
  giveUpSeconds: number
  inlineWaitMs: number
  mailjetTimeoutMs: number
  leaseSeconds: number
  pollIntervalMs: number
  retryBaseSeconds: number
  maxPerUserPerDay: number
  maxPerAddressPerDay: number
}

/** GET /metrics: off, on the API's port, or on a port of its own. */
export interface MetricsConfig {
  enabled: boolean
  port: number | undefined
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === '' ? undefined : value
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
  return value
}

function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  return read(env, name) === undefined ? undefined : integer(env, name, 0, min, max)
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = (read(env, name) ?? (fallback ? 'on' : 'off')).toLowerCase()
  if (['on', 'true', '1'].includes(raw)) return true
  if (['off', 'false', '0'].includes(raw)) return false
  throw new ConfigError(`${name} must be on or off, got "${raw}"`)
}

function delivery(env: Env): DeliveryConfig {
  const config = {
    worker: onOff(env, 'DELIVERY_WORKER', true),
    dailyLimit: optionalInteger(env, 'MAIL_DAILY_LIMIT', 0, 10_000_000),
    monthlyLimit: optionalInteger(env, 'MAIL_MONTHLY_LIMIT', 0, 100_000_000),
    giveUpSeconds: integer(env, 'MAIL_GIVE_UP_SECONDS', 86_400, 1, 30 * 86_400),
    inlineWaitMs: integer(env, 'MAIL_INLINE_WAIT_MS', 2_000, 0, 60_000),
    mailjetTimeoutMs: integer(env, 'MAILJET_TIMEOUT_MS', 10_000, 100, 120_000),
    leaseSeconds: integer(env, 'MAIL_LEASE_SECONDS', 60, 1, 3_600),
    pollIntervalMs: integer(env, 'MAIL_POLL_INTERVAL_MS', 1_000, 10, 60_000),
    retryBaseSeconds: integer(env, 'MAIL_RETRY_BASE_SECONDS', 30, 0, 3_600),
    maxPerUserPerDay: integer(env, 'MAIL_MAX_PER_USER_PER_DAY', 10, 1, 10_000),
    maxPerAddressPerDay: integer(env, 'MAIL_MAX_PER_ADDRESS_PER_DAY', 30, 1, 100_000),
  }
  // A lease shorter than Mailjet's timeout would let a second instance send an email still in flight.
  if (config.leaseSeconds * 1000 <= config.mailjetTimeoutMs)
    throw new ConfigError(
      `MAIL_LEASE_SECONDS must be longer than MAILJET_TIMEOUT_MS (${config.mailjetTimeoutMs} ms), got "${config.leaseSeconds}"`,
    )
  return config
}

function webhooks(env: Env): WebhooksConfig {
  // The webhook worker holds a row under the outbox's lease: a call must end before it does.
  const leaseMs = integer(env, 'MAIL_LEASE_SECONDS', 60, 1, 3_600) * 1000
  const timeoutMs = integer(env, 'WEBHOOK_TIMEOUT_MS', Math.min(5_000, leaseMs / 2), 100, 30_000)
  if (timeoutMs >= leaseMs)
    throw new ConfigError(`WEBHOOK_TIMEOUT_MS must be shorter than MAIL_LEASE_SECONDS, got "${timeoutMs}"`)
  return {
    allowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    timeoutMs,
    retryBaseSeconds: integer(env, 'WEBHOOK_RETRY_BASE_SECONDS', 30, 0, 3_600),
    giveUpSeconds: integer(env, 'WEBHOOK_GIVE_UP_SECONDS', 86_400, 1, 30 * 86_400),
  }
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback
  const url = URL.parse(raw)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`)
  return raw.replace(/\/+$/, '')
}

function databaseUrl(env: Env): string | undefined {
  const raw = read(env, 'DATABASE_URL')
  if (raw === undefined) return undefined
  const url = URL.parse(raw)
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname)
    throw new ConfigError('DATABASE_URL must look like postgres://user:pass@host:5432/db')
  return raw
}

function mailjet(env: Env): MailjetCredentials | undefined {
  const apiKey = read(env, 'MAILJET_API_KEY')
  const apiSecret = read(env, 'MAILJET_API_SECRET')
  return apiKey && apiSecret ? { apiKey, apiSecret } : undefined
}

function email(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback
  if (!/^[^\s@]+@[^\s@]+$/.test(raw)) throw new ConfigError(`${name} must be an email address, got "${raw}"`)
  return raw
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase()
  if (raw === undefined) return fallback
  if (raw === 'true' || raw === 'false') return raw === 'true'
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

export const MIN_SECRET_KEY_LENGTH = 32

function secret(env: Env, name: string): string | undefined {
  const raw = read(env, name)
  if (raw !== undefined && raw.length < MIN_SECRET_KEY_LENGTH)
    throw new ConfigError(`${name} must be at least ${MIN_SECRET_KEY_LENGTH} characters`)
  return raw
}

function authLimits(env: Env): AuthLimits {
  const maxLockoutSeconds = integer(env, 'AUTH_MAX_LOCKOUT_SECONDS', 900, 1, 86_400)
  return {
    maxFailures: integer(env, 'AUTH_MAX_FAILURES', 10, 1, 1_000),
    failureWindowSeconds: integer(env, 'AUTH_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
    lockoutSeconds: integer(env, 'AUTH_LOCKOUT_SECONDS', Math.min(60, maxLockoutSeconds), 1, maxLockoutSeconds),
    maxLockoutSeconds,
    lockedDelayMs: integer(env, 'AUTH_LOCKED_DELAY_MS', 100, 0, 10_000),
  }
}

function logLevel(env: Env): LogLevel {
  const raw = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase()
  const level = LOG_LEVELS.find((l) => l === raw)
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`)
  return level
}

export function parseConfig(env: Env): Config {
  return {
    port: integer(env, 'PORT', 8008, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: databaseUrl(env),
    publicUrl: httpUrl(env, 'PUBLIC_URL', 'http://localhost:8008'),
    mailjet: mailjet(env),
    mailjetApiUrl: httpUrl(env, 'MAILJET_API_URL', 'https://api.mailjet.com'),
    mailFromEmail: email(env, 'MAIL_FROM_EMAIL', 'no-reply@localhost'),
    activationTtlSeconds: integer(env, 'ACTIVATION_TTL_SECONDS', 60, 1, 86_400),
    activationMaxAttempts: integer(env, 'ACTIVATION_MAX_ATTEMPTS', 5, 1, 100),
    resendIntervalSeconds: integer(env, 'RESEND_INTERVAL_SECONDS', 30, 0, 86_400),
    resetTtlSeconds: integer(env, 'RESET_TTL_SECONDS', 900, 1, 86_400),
    logLevel: logLevel(env),
    argon2: {
      memoryCost: integer(env, 'ARGON2_MEMORY_KIB', 19_456, 8_192, 4_194_304),
      timeCost: integer(env, 'ARGON2_TIME_COST', 2, 1, 100),
    },
    auth: authLimits(env),
    registrationsPerMinute: integer(env, 'REGISTRATIONS_PER_MINUTE', 600, 1, 1_000_000),
    linkMissesPerMinute: integer(env, 'LINK_MISSES_PER_MINUTE', 60, 1, 1_000_000),
    unactivatedTtlSeconds: integer(env, 'UNACTIVATED_TTL_SECONDS', 86_400, 60, 31_536_000),
    retentionSeconds: integer(env, 'RETENTION_SECONDS', 604_800, 86_400, 31_536_000),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    secretKey: secret(env, 'SECRET_KEY'),
    secretKeyPrevious: secret(env, 'SECRET_KEY_PREVIOUS'),
    delivery: delivery(env),
    metrics: {
      enabled: onOff(env, 'METRICS', true),
      port: optionalInteger(env, 'METRICS_PORT', 0, 65_535),
    },
    databaseTimeoutMs: integer(env, 'DATABASE_TIMEOUT_MS', 2_000, 100, 600_000),
    idempotencyLockSeconds: integer(env, 'IDEMPOTENCY_LOCK_SECONDS', 60, 1, 3_600),
    webhooks: webhooks(env),
  }
}
