import type { Deps } from '../deps'
import { PROBE_BASE_SECONDS, PROBE_MAX_SECONDS } from './delivery.backoff'
import type { Claims } from './delivery.claims'
import type { InFlight } from './delivery.in-flight'
import type { DeliveryRepository } from './delivery.repository'
import type { Sender } from './delivery.sender'

export const EMAILS_CHANNEL = 'registration_api_emails'
/** Emails claimed, and sent at once, per round. */
const BATCH = 25
/** Rounds running at once, so one claims while another waits on Mailjet's answers. */
const LANES = 2

/**
 * The delivery worker every instance runs beside the HTTP app: it wakes on
 * NOTIFY and on a timer, claims due emails (FOR UPDATE SKIP LOCKED, under a
 * lease) and sends them; while the account is paused it sends one probe now and then.
 */
export function createWorker(
  deps: Pick<Deps, 'sql' | 'config' | 'clock' | 'log'>,
  repo: DeliveryRepository,
  claims: Claims,
  sender: Sender,
  inFlight: InFlight,
) {
  let running = false
  const sleepers = new Set<() => void>()
  const wake = () => {
    for (const resolve of sleepers) resolve()
  }
  let unlisten: (() => Promise<void>) | undefined
  let lanes: Promise<void>[] = []

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        sleepers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      sleepers.add(done)
    })

  /** One round: resolves how many emails it claimed. */
  async function round(): Promise<number> {
    const probe = await repo.claimProbe(deps.sql, deps.clock(), PROBE_BASE_SECONDS, PROBE_MAX_SECONDS)
    const claimed = await claims.due(deps.sql, probe ? 1 : BATCH, probe !== undefined)
    await Promise.all(claimed.map((claim) => inFlight.run(claim, (signal) => sender.attempt(claim, signal, !!probe))))
    return claimed.length
  }

  // While the database is away every round fails: one line when that starts, one when it ends.
  let failing = false

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0
      try {
        claimed = await round()
        if (failing) deps.log.info('delivery rounds work again')
        failing = false
      } catch (error) {
        if (!failing)
          deps.log.warn('delivery rounds fail; retrying every poll interval', {
            error: error instanceof Error ? error.message : String(error),
          })
        failing = true
      }
      if (running && claimed < BATCH) await sleep(deps.config.delivery.pollIntervalMs)
    }
  }

  return {
    async start(): Promise<void> {
      running = true
      try {
        const listening = await deps.sql.listen(EMAILS_CHANNEL, wake)
        unlisten = listening.unlisten
      } catch (error) {
        deps.log.warn('LISTEN failed; the delivery worker polls only', {
          error: error instanceof Error ? error.message : String(error),
        })
      }
      lanes = Array.from({ length: LANES }, run)
    },
    /** Stops claiming; the caller then lets in-flight sends finish (InFlight.drain). */
    async stop(): Promise<void> {
      running = false
      wake()
      await Promise.all(lanes)
      await unlisten?.().catch(() => {})
    },
  }
}

export type Worker = ReturnType<typeof createWorker>
