import { expect, test } from 'bun:test'
import { createLogger } from '../src/log'
import { startMaintenance } from '../src/maintenance/maintenance.runner'
import type { SweepReport } from '../src/maintenance/maintenance.tasks'

const NOTHING: SweepReport = {
  limitBuckets: 0,
  unactivatedUsers: 0,
  oldActivations: 0,
  oldPasswordResets: 0,
  oldEmails: 0,
  oldWebhookDeliveries: 0,
}

test('sweeps one at a time, goes on after a failed sweep, and stop() waits for the sweep under way', async () => {
  const lines: string[] = []
  const log = createLogger('info', (line) => lines.push(line))
  let sweeps = 0
  let inFlight = 0
  let finished = 0
  const runner = startMaintenance(
    async () => {
      sweeps += 1
      inFlight += 1
      expect(inFlight).toBe(1)
      await Bun.sleep(5)
      inFlight -= 1
      finished += 1
      if (sweeps === 1) throw new Error('database away')
      return { ...NOTHING, limitBuckets: 1 }
    },
    log,
    10,
  )
  while (sweeps < 3) await Bun.sleep(5)
  await runner.stop()
  const stoppedAt = sweeps
  expect(finished).toBe(stoppedAt)
  await Bun.sleep(40)
  expect(sweeps).toBe(stoppedAt)
  expect(lines.some((line) => line.includes('maintenance sweep failed') && line.includes('database away'))).toBe(true)
  expect(lines.some((line) => line.includes('"limitBuckets":1'))).toBe(true)
})

test('stop() asks a sweep under way to end (between two batches) instead of waiting out its backlog', async () => {
  let given: AbortSignal | undefined
  const runner = startMaintenance(
    async (stop) => {
      given = stop
      // A backlog that would take for ever: only the signal ends it.
      await new Promise((resolve) => stop?.addEventListener('abort', resolve))
      return NOTHING
    },
    createLogger('error', () => {}),
    10,
  )
  while (!given) await Bun.sleep(5)
  await runner.stop()
  expect(given.aborted).toBe(true)
})
