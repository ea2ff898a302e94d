/**
 * Waits for work running elsewhere (a worker, a background send) to reach a state:
 * checks `done` every 20 ms, up to `timeoutMs`. Never used to let time pass for a
 * backoff: tests move the injected clock for that.
 */
export async function eventually(
  done: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  /** What the failure message adds: the state that explains it. */
  explain?: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`not reached within ${timeoutMs} ms${explain ? `: ${await explain().catch(String)}` : ''}`)
    await Bun.sleep(20)
  }
}
