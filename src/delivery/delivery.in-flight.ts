import type { Logger } from '../log'

/**
 * Every send in progress in this process (a request's background ones included),
 * so a shutdown can wait for them and cut (and give back) the rest. `what` names
 * the job in the log; a send that fails to record its outcome resolves `unrecorded`.
 */
export function createInFlight<R>(log: Logger, what: string, unrecorded: R) {
  const running = new Map<Promise<R>, AbortController>()

  return {
    run(id: string, send: (signal: AbortSignal) => Promise<R>): Promise<R> {
      const controller = new AbortController()
      const attempt = send(controller.signal).catch((error: unknown): R => {
        // The send happened or not; the lease brings the row back either way.
        log.error(`recording a send failed; the ${what} is retried when its lease ends`, {
          [`${what.replaceAll(' ', '_')}_id`]: id,
          error: error instanceof Error ? error.message : String(error),
        })
        return unrecorded
      })
      running.set(attempt, controller)
      void attempt.finally(() => running.delete(attempt))
      return attempt
    },

    get size() {
      return running.size
    },

    /** Waits up to `graceMs` for the sends under way, then aborts the rest, which release their jobs. */
    async drain(graceMs: number): Promise<void> {
      const all = () => Promise.allSettled([...running.keys()])
      const finished = await Promise.race([all().then(() => true), Bun.sleep(graceMs).then(() => false)])
      if (finished) return
      log.warn(`sends still in flight after the shutdown grace are cut and queued again (${what})`, {
        count: running.size,
      })
      for (const controller of running.values()) controller.abort()
      await all()
    },
  }
}

export type InFlight<R> = ReturnType<typeof createInFlight<R>>
