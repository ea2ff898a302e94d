import type { Deps } from '../deps'

/** Rounds running at once, so one claims while another waits on the far side's answers. */
const LANES = 2

export interface Queue {
  /** Shown in the log. */
  name: string
  /** NOTIFY channel that wakes the workers of every instance. */
  channel: string
  /** Most jobs claimed per round; a full round goes on at once, a shorter one sleeps. */
  batch: number
  /** One round: claims due jobs (FOR UPDATE SKIP LOCKED, under a lease), runs them, resolves how many it claimed. */
  round(): Promise<number>
}

/**
 * A worker every instance runs beside the HTTP app, for one queue in PostgreSQL
 * (emails, webhook deliveries): it wakes on NOTIFY and on a timer (the safety net)
 * and runs the queue's rounds.
 */
export function createWorker(deps: Pick<Deps, 'sql' | 'config' | 'log'>, queue: Queue) {
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

  // While the database is away every round fails: one line when that starts, one when it ends.
  let failing = false

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0
      try {
        claimed = await queue.round()
        if (failing) deps.log.info(`${queue.name} rounds work again`)
        failing = false
      } catch (error) {
        if (!failing)
          deps.log.warn(`${queue.name} rounds fail; retrying every poll interval`, {
            error: error instanceof Error ? error.message : String(error),
          })
        failing = true
      }
      if (running && claimed < queue.batch) await sleep(deps.config.delivery.pollIntervalMs)
    }
  }

  return {
    async start(): Promise<void> {
      running = true
      try {
        const listening = await deps.sql.listen(queue.channel, wake)
        unlisten = listening.unlisten
      } catch (error) {
        deps.log.warn(`LISTEN failed; the ${queue.name} worker polls only`, {
          error: error instanceof Error ? error.message : String(error),
        })
      }
      lanes = Array.from({ length: LANES }, run)
    },
    /** Stops claiming; the caller then lets in-flight work finish (InFlight.drain). */
    async stop(): Promise<void> {
      running = false
      wake()
      await Promise.all(lanes)
      await unlisten?.().catch(() => {})
    },
  }
}

export type Worker = ReturnType<typeof createWorker>
