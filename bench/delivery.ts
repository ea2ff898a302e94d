import { join } from 'node:path'
import { systemClock } from '../src/clock'
import type { Config } from '../src/config'
import { connect, transaction } from '../src/db/client'
import { freePort } from '../src/db/embedded'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createDelivery } from '../src/delivery/delivery'
import { createLogger } from '../src/log'
import { createMailer } from '../src/mail/create-mailer'
import { createMetrics } from '../src/metrics/metrics'
import { createActivationsRepository } from '../src/modules/activation/activation.repository'
import { createUsersRepository } from '../src/modules/users/users.repository'
import { createPasswords } from '../src/passwords'
import { ACTIVATION_CODE_PURPOSE, codeHmac, codeKeys, newActivationSecrets } from '../src/secrets'
import { startFakeMailjet } from '../tests/support/fake-mailjet'
import { PASSWORD } from './scenarios'
import { startService } from './service'

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

/**
 * The queue's own work on a registration: writing the email row and claiming it for
 * the request (insert, delivery lock, claim), timed inside real registration
 * transactions, one after another. The rows are cancelled afterwards.
 */
export async function outboxInsert(databaseUrl: string, config: Config, serverId: string, count = 2_000, warmUp = 200) {
  const sql = connect(databaseUrl, { max: 2 })
  const log = createLogger('error', () => {})
  const statements = await Statements.load(QUERIES_DIR)
  const base = {
    config,
    sql,
    statements,
    mailer: createMailer(config, log),
    passwords: await createPasswords(config.argon2),
    clock: systemClock,
    log,
    metrics: createMetrics(),
  }
  const delivery = createDelivery(base)
  const users = createUsersRepository(statements)
  const activations = createActivationsRepository(statements)
  const passwordHash = await base.passwords.hash(PASSWORD)
  const keys = codeKeys(config)
  const prefix = `outbox-${Date.now().toString(36)}-`
  const timings: number[] = []
  try {
    // The first `warmUp` are not timed, as the other rows' first 3 s are not: JIT and plans settle.
    for (let i = 0; i < warmUp + count; i += 1) {
      await transaction(sql, async (tx) => {
        const now = new Date()
        const email = `${prefix}${i}@bench.test`
        const user = await users.insert(tx, {
          serverId,
          email,
          passwordHash,
          firstName: null,
          lastName: null,
          birthDate: null,
          now,
        })
        const secret = newActivationSecrets(keys)
        const activation = await activations.insert(tx, {
          userId: user.id,
          codeHmac: secret.codeHmac,
          tokenHash: secret.tokenHash,
          now,
          expiresAt: new Date(now.getTime() + 60_000),
        })
        const started = performance.now()
        await delivery.enqueue(tx, {
          serverId,
          userId: user.id,
          subjectId: activation.id,
          recipient: email,
          now,
          secret: { kind: 'activation', ...secret },
        })
        if (i >= warmUp) timings.push(performance.now() - started)
      })
    }
    const bench = await Statements.load(join(import.meta.dir, 'sql'))
    await bench.get('cancel_emails').many(sql, [prefix])
  } finally {
    await sql.end()
  }
  const sorted = timings.sort((a, b) => a - b)
  return { count, warmUp, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) }
}

/**
 * `count` emails queued at once, sent to a fake Mailjet that answers at once by
 * `instances` services on one database: emails per second from release to the last one sent.
 */
export async function drain(
  databaseUrl: string,
  serverId: string,
  secretKey: string,
  instances: number,
  count = 5_000,
) {
  const sql = connect(databaseUrl, { max: 1 })
  const bench = await Statements.load(join(import.meta.dir, 'sql'))
  const prefix = `drain-${instances}-${Date.now().toString(36)}-`
  const mailjet = await startFakeMailjet()
  const services: Awaited<ReturnType<typeof startService>>[] = []
  try {
    const passwordHash = await (await createPasswords({ memoryCost: 8_192, timeCost: 1 })).hash(PASSWORD)
    await bench.get('seed_users').many(sql, [serverId, count, prefix, passwordHash])
    await bench
      .get('seed_activations')
      .many(sql, [serverId, prefix, codeHmac(secretKey, ACTIVATION_CODE_PURPOSE, '0000')])
    await bench.get('seed_queued_emails').many(sql, [serverId, prefix, new Date(Date.now() + 86_400_000)])
    for (let i = 0; i < instances; i += 1)
      services.push(
        await startService({
          DATABASE_URL: databaseUrl,
          PORT: String(await freePort()),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          MAILJET_API_KEY: 'bench',
          MAILJET_API_SECRET: 'bench',
          MAILJET_API_URL: mailjet.url,
          DELIVERY_WORKER: 'on',
          SECRET_KEY: secretKey,
        }),
      )
    const started = performance.now()
    await bench.get('release_queued_emails').one(sql, [prefix])
    let sent = 0
    while (sent < count) {
      await Bun.sleep(20)
      sent = (await bench.get('count_sent_emails').one<{ sent: number }>(sql, [prefix])).sent
      if (performance.now() - started > 300_000) break
    }
    const seconds = (performance.now() - started) / 1000
    const accepted = mailjet.accepted.filter((r) => r.body.Messages[0]?.To[0]?.Email.startsWith(prefix)).length
    return { instances, count, sent, accepted, seconds, emailsPerSecond: sent / seconds }
  } finally {
    for (const service of services) await service.stop()
    await bench.get('cancel_emails').many(sql, [prefix])
    mailjet.stop()
    await sql.end()
  }
}
