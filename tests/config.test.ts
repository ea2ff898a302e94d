import { describe, expect, test } from 'bun:test'
import { ConfigError, parseConfig } from '../src/config'

describe('parseConfig', () => {
  test('the contract’s defaults', () => {
    expect(parseConfig({})).toEqual({
      port: 8008,
      host: '0.0.0.0',
      databaseUrl: undefined,
      publicUrl: 'http://localhost:8008',
      mailjet: undefined,
      mailjetApiUrl: 'https://api.mailjet.com',
      mailFromEmail: 'no-reply@localhost',
      activationTtlSeconds: 60,
      activationMaxAttempts: 5,
      resendIntervalSeconds: 30,
      resetTtlSeconds: 900,
      logLevel: 'info',
      argon2: { memoryCost: 19_456, timeCost: 2 },
      auth: {
        maxFailures: 10,
        failureWindowSeconds: 900,
        lockoutSeconds: 60,
        maxLockoutSeconds: 900,
        lockedDelayMs: 100,
      },
      registrationsPerMinute: 600,
      linkMissesPerMinute: 60,
      unactivatedTtlSeconds: 86_400,
      retentionSeconds: 604_800,
      trustProxy: false,
      secretKey: undefined,
      secretKeyPrevious: undefined,
      delivery: {
        worker: true,
        dailyLimit: undefined,
        monthlyLimit: undefined,
        giveUpSeconds: 86_400,
        inlineWaitMs: 2_000,
        mailjetTimeoutMs: 10_000,
        leaseSeconds: 60,
        pollIntervalMs: 1_000,
        retryBaseSeconds: 30,
        maxPerUserPerDay: 10,
        maxPerAddressPerDay: 30,
      },
      metrics: { enabled: true, port: undefined },
      databaseTimeoutMs: 2_000,
      idempotencyLockSeconds: 60,
      webhooks: { allowPrivate: false, timeoutMs: 5_000, retryBaseSeconds: 30, giveUpSeconds: 86_400 },
    })
  })

  test('delivery: limits, the worker switch, and a lease that outlasts the Mailjet timeout', () => {
    const config = parseConfig({ MAIL_DAILY_LIMIT: '200', MAIL_MONTHLY_LIMIT: '6000', DELIVERY_WORKER: 'off' })
    expect(config.delivery).toMatchObject({ dailyLimit: 200, monthlyLimit: 6000, worker: false })
    expect(() => parseConfig({ DELIVERY_WORKER: 'maybe' })).toThrow('DELIVERY_WORKER')
    expect(() => parseConfig({ MAIL_LEASE_SECONDS: '5' })).toThrow('MAIL_LEASE_SECONDS')
    expect(parseConfig({ METRICS: 'off', METRICS_PORT: '9100' }).metrics).toEqual({ enabled: false, port: 9100 })
  })

  test('webhooks: private addresses off by default, a timeout within the lease', () => {
    expect(parseConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate).toBe(true)
    expect(() => parseConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes please' })).toThrow('WEBHOOK_ALLOW_PRIVATE')
    // A short lease shortens the default timeout; an explicit one past the lease is refused.
    expect(parseConfig({ MAIL_LEASE_SECONDS: '20', MAILJET_TIMEOUT_MS: '1000' }).webhooks.timeoutMs).toBe(5_000)
    expect(parseConfig({ MAIL_LEASE_SECONDS: '3', MAILJET_TIMEOUT_MS: '1000' }).webhooks.timeoutMs).toBe(1_500)
    expect(() =>
      parseConfig({ MAIL_LEASE_SECONDS: '3', MAILJET_TIMEOUT_MS: '1000', WEBHOOK_TIMEOUT_MS: '3000' }),
    ).toThrow('WEBHOOK_TIMEOUT_MS')
    expect(() => parseConfig({ WEBHOOK_GIVE_UP_SECONDS: '0' })).toThrow('WEBHOOK_GIVE_UP_SECONDS')
  })

  test('Mailjet is used only with both keys', () => {
    expect(parseConfig({ MAILJET_API_KEY: 'k' }).mailjet).toBeUndefined()
    expect(parseConfig({ MAILJET_API_KEY: 'k', MAILJET_API_SECRET: 's' }).mailjet).toEqual({
      apiKey: 'k',
      apiSecret: 's',
    })
  })

  test('the first lock is at most the longest one', () => {
    expect(parseConfig({ AUTH_MAX_LOCKOUT_SECONDS: '30' }).auth.lockoutSeconds).toBe(30)
    expect(() => parseConfig({ AUTH_MAX_LOCKOUT_SECONDS: '30', AUTH_LOCKOUT_SECONDS: '31' })).toThrow(
      'AUTH_LOCKOUT_SECONDS',
    )
  })

  test('a trailing slash on a base URL is dropped', () => {
    expect(parseConfig({ PUBLIC_URL: 'https://accounts.example.com/' }).publicUrl).toBe('https://accounts.example.com')
  })

  test('each bad value names its variable', () => {
    for (const [name, value] of [
      ['PORT', '70000'],
      ['PORT', '8o'],
      ['ACTIVATION_TTL_SECONDS', '0'],
      ['LOG_LEVEL', 'trace'],
      ['DATABASE_URL', 'localhost:5432'],
      ['AUTH_MAX_FAILURES', '0'],
      ['REGISTRATIONS_PER_MINUTE', 'many'],
      ['TRUST_PROXY', 'yes'],
      ['SECRET_KEY', 'too short'],
      ['SECRET_KEY_PREVIOUS', 'too short'],
    ]) {
      expect(() => parseConfig({ [name as string]: value })).toThrow(ConfigError)
      expect(() => parseConfig({ [name as string]: value })).toThrow(name)
    }
  })
})
