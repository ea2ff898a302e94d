import { systemClock } from '../clock'
import { connect } from '../db/client'
import { migrate } from '../db/migrate'
import { QUERIES_DIR, Statements } from '../db/statements'
import { createDeliveryRepository } from '../delivery/delivery.repository'
import { cliDatabase } from './database-url'

const USAGE = `usage: bun run emails                 the queue: counts by status, the oldest due email, the pause state
       bun run emails retry ID        queues failed email ID again
       bun run emails retry --failed  queues every failed email again`

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const [command, target, ...rest] = process.argv.slice(2)
const retry = command === 'retry' && target !== undefined && rest.length === 0
if (!(command === undefined || retry) || (retry && target !== '--failed' && !UUID.test(target ?? ''))) {
  console.error(USAGE)
  process.exit(2)
}

const database = await cliDatabase('bun run emails')
const sql = connect(database.url, { max: 1 })
let exitCode = 0
try {
  await migrate(database.url)
  const repo = createDeliveryRepository(await Statements.load(QUERIES_DIR))
  const now = systemClock()
  if (retry) {
    const requeued = await repo.requeueFailed(sql, now, target === '--failed' ? null : (target ?? null))
    if (requeued.length === 0 && target !== '--failed') {
      console.error(`no failed email with id ${target}`)
      exitCode = 1
    } else console.log(JSON.stringify({ requeued: requeued.length }))
  } else {
    const counts = Object.fromEntries((await repo.countByStatus(sql)).map((row) => [row.status, row.count]))
    const queue = await repo.queueState(sql, now)
    const pause = await repo.pauseState(sql)
    console.log(
      JSON.stringify({
        counts: { queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0, ...counts },
        oldest_due_at: queue.oldest_due_at?.toISOString() ?? null,
        oldest_due_age_seconds: queue.oldest_due_at
          ? Math.round((now.getTime() - queue.oldest_due_at.getTime()) / 1000)
          : null,
        sent_today: queue.sent_today,
        sent_this_month: queue.sent_this_month,
        paused: pause
          ? {
              since: pause.paused_at.toISOString(),
              status: pause.status,
              code: pause.error_code,
              next_probe_at: pause.next_probe_at.toISOString(),
            }
          : null,
      }),
    )
  }
} finally {
  await sql.end()
  await database.stop()
}
process.exit(exitCode)
