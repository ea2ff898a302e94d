import type { Logger } from '../log'
import type { Claim } from './delivery.claims'
import type { AttemptResult } from './delivery.sender'

/**
 * Every send in progress in this process, the request's background ones
 * included, so a shutdown can wait for them and cut (and give back) the rest.
 */
export function createInFlight(log: Logger) {
  const running = new Map<Promise<AttemptResult>, AbortController>()

  return {
    run(claim: Claim, send: (signal: AbortSignal) => Promise<AttemptResult>): Promise<AttemptResult> {
      const controller = new AbortController()
      const attempt = send(controller.signal).catch((error: unknown): AttemptResult => {
        // The send happened or not; the lease brings the row back either way.
        log.error('recording a send failed; the email is retried when its lease ends', {
          email_id: claim.email.id,
          error: error instanceof Error ? error.message : String(error),
        })
        return { status: 'pending' }
      })
      running.set(attempt, controller)
      void attempt.finally(() => running.delete(attempt))
      return attempt
    },

    get size() {
      return running.size
    },

    /** Waits up to `graceMs` for the sends under way, then aborts the rest, which release their emails. */
    async drain(graceMs: number): Promise<void> {
      const all = () => Promise.allSettled([...running.keys()])
      const finished = await Promise.race([all().then(() => true), Bun.sleep(graceMs).then(() => false)])
      if (finished) return
      log.warn('sends still in flight after the shutdown grace are cut and queued again', { count: running.size })
      for (const controller of running.values()) controller.abort()
      await all()
    },
  }
}

export type InFlight = ReturnType<typeof createInFlight>
