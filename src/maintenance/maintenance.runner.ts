import type { Logger } from '../log'
import type { Sweep } from './maintenance.tasks'

/** Between two sweeps; jittered so instances started together do not sweep in step. */
export const SWEEP_INTERVAL_MS = 60_000

export interface MaintenanceRunner {
  /** Stops a sweep under way after its current batch, waits for it, then stops. */
  stop(): Promise<void>
}

/**
 * Runs `sweep` about every minute (the first a minute after start), one at a time,
 * until stopped. A failed sweep (the database away) is logged and tried again next time.
 */
export function startMaintenance(sweep: Sweep, log: Logger, intervalMs = SWEEP_INTERVAL_MS): MaintenanceRunner {
  let stopped = false
  let timer: Timer | undefined
  let running: Promise<void> = Promise.resolve()
  // A sweep working through a backlog stops between two batches, so shutdown does not wait on it.
  const stopping = new AbortController()

  const runOnce = async () => {
    try {
      const report = await sweep(stopping.signal)
      if (Object.values(report).some((count) => count > 0)) log.info('maintenance sweep', { deleted: report })
    } catch (error) {
      log.warn('maintenance sweep failed', { error: error instanceof Error ? error.message : String(error) })
    }
  }
  const schedule = () => {
    if (stopped) return
    const delay = intervalMs * (0.75 + Math.random() * 0.5)
    timer = setTimeout(() => {
      running = runOnce().then(schedule)
    }, delay)
    timer.unref()
  }
  schedule()

  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      stopping.abort()
      await running
    },
  }
}
