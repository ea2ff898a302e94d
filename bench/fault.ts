import type { TemporaryDatabase } from '../src/db/embedded'
import { fixed, type Target } from './report'
import type { Scenario } from './scenarios'
import { wrk } from './wrk'

/** What a database restart in the middle of a GET load did to the service. */
export interface FaultResult {
  requests: number
  /** Answers 500-599 other than 503: the target is none. */
  serverErrors: number
  unavailable: number
  maxLatencyMs: number
  /** From the restart's end to the first second at ≥ 90 % of the throughput before it. */
  recoverySeconds: number | undefined
  stopUnderLoadMs: number
  stopIdleMs: number
  restartAt: number
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

/**
 * GET under wrk for `seconds`, PostgreSQL stopped (fast shutdown, as pg_ctl restart -m fast)
 * and started again at `restartAt`; its stop is also timed idle, before the load, to show
 * that a busy service does not hold it up.
 */
export async function databaseRestartUnderLoad(
  scenario: Scenario,
  options: { url: string; connections: number; threads: number },
  database: TemporaryDatabase,
  seconds = 20,
  restartAt = 5,
): Promise<FaultResult> {
  const stopIdleMs = await timed(() => database.halt())
  await database.resume()

  const load = wrk.run({ ...scenario, countStatuses: 'per-second' }, { ...options, seconds })
  await Bun.sleep(restartAt * 1000)
  const restartSecond = Math.floor(Date.now() / 1000)
  const stopUnderLoadMs = await timed(() => database.halt())
  await database.resume()
  const backSecond = Math.floor(Date.now() / 1000)
  const result = await load

  const served = new Map<number, number>()
  let requests = 0
  let serverErrors = 0
  let unavailable = 0
  for (const { second, status, count } of result.bySecond ?? []) {
    requests += count
    if (status === 503) unavailable += count
    else if (status >= 500) serverErrors += count
    else if (status < 400) served.set(second, (served.get(second) ?? 0) + count)
  }
  // Whole seconds before the restart, the first (partial, warming up) left out.
  const timeline = [...served.keys()].sort((a, b) => a - b)
  const before = timeline.slice(1).filter((s) => s < restartSecond)
  const baseline = before.reduce((sum, s) => sum + (served.get(s) ?? 0), 0) / Math.max(before.length, 1)
  const recovered = timeline.find((s) => s >= backSecond && (served.get(s) ?? 0) >= 0.9 * baseline)
  return {
    requests,
    serverErrors,
    unavailable,
    maxLatencyMs: result.maxLatencyMs ?? Number.NaN,
    recoverySeconds: recovered === undefined ? undefined : recovered - backSecond,
    stopUnderLoadMs,
    stopIdleMs,
    restartAt,
  }
}

const within = (result: FaultResult) =>
  result.recoverySeconds === undefined ? 'not within the run' : `within ${result.recoverySeconds + 1} s`

/** The report's paragraph on the restart, or why it was not measured. */
export function faultSection(result: FaultResult | undefined): string {
  if (!result) return 'Database restart under load: not measured (it needs wrk and the run’s own embedded PostgreSQL).'
  return `Database restart under load: GET /users/{email} under wrk, PostgreSQL stopped (fast shutdown) and
started again ${result.restartAt} s in. ${fixed(result.requests)} answers: **${fixed(result.serverErrors)}** 5xx other than 503,
${fixed(result.unavailable)} 503; longest latency **${fixed(result.maxLatencyMs, 1)} ms**; full throughput
(≥ 90 % of the seconds before) again **${within(result)}** of the restart. PostgreSQL's stop took
${fixed(result.stopUnderLoadMs)} ms under this load and ${fixed(result.stopIdleMs)} ms idle.`
}

export function faultTargets(result: FaultResult | undefined): Target[] {
  if (!result) return []
  return [
    {
      what: 'database restart: no 5xx other than 503',
      measured: fixed(result.serverErrors),
      met: result.serverErrors === 0,
    },
    {
      what: 'database restart: full throughput within 2 s',
      measured: within(result),
      met: result.recoverySeconds !== undefined && result.recoverySeconds + 1 <= 2,
    },
    {
      what: 'database restart: PostgreSQL stops as fast under load as idle (+1 s)',
      measured: `${fixed(result.stopUnderLoadMs)} ms vs ${fixed(result.stopIdleMs)} ms`,
      met: result.stopUnderLoadMs <= result.stopIdleMs + 1_000,
    },
  ]
}
