import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TemporaryDatabase } from '../src/db/embedded'
import { fixed, type Target } from './report'
import type { Scenario } from './scenarios'
import { luaRequest } from './wrk'

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

/**
 * wrk with a response() hook: each thread counts answers by Unix second and status, and
 * done() prints the sums (wrk's own report only says "non-2xx").
 */
function script(scenario: Scenario, threads: number): string {
  return `local requests = {
${scenario.requests.map(luaRequest).join(',\n')}
}
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
local prepared, i
counts = {}
function init(args)
  prepared = {}
  for k, r in ipairs(requests) do prepared[k] = wrk.format(r[1], r[2], r[3], r[4]) end
  i = id
end
function request()
  local r = prepared[(i % #prepared) + 1]
  i = i + ${threads}
  return r
end
function response(status, headers, body)
  local key = os.time() .. ":" .. status
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write("COUNT " .. k .. " " .. v .. "\\n") end
  io.write("MAX_LATENCY_US " .. latency.max .. "\\n")
end
`
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

  const dir = await mkdtemp(join(tmpdir(), 'registration-api-fault-'))
  try {
    const scriptPath = join(dir, 'fault.lua')
    await Bun.write(scriptPath, script(scenario, options.threads))
    const args = [`-t${options.threads}`, `-c${options.connections}`, `-d${seconds}s`, '--timeout', '10s']
    const child = Bun.spawn(['wrk', ...args, '-s', scriptPath, options.url], { stdout: 'pipe', stderr: 'pipe' })
    const output = new Response(child.stdout).text()
    await Bun.sleep(restartAt * 1000)
    const restartSecond = Math.floor(Date.now() / 1000)
    const stopUnderLoadMs = await timed(() => database.halt())
    await database.resume()
    const backSecond = Math.floor(Date.now() / 1000)
    if ((await child.exited) !== 0) throw new Error(`wrk failed: ${await new Response(child.stderr).text()}`)

    const perSecond = new Map<number, number>()
    let requests = 0
    let serverErrors = 0
    let unavailable = 0
    for (const [, second, status, count] of (await output).matchAll(/^COUNT (\d+):(\d+) (\d+)$/gm)) {
      const n = Number(count)
      requests += n
      if (Number(status) === 503) unavailable += n
      else if (Number(status) >= 500) serverErrors += n
      if (Number(status) < 400) perSecond.set(Number(second), (perSecond.get(Number(second)) ?? 0) + n)
    }
    // Whole seconds before the restart, the first one (warm-up, partial) left out.
    const timeline = [...perSecond.keys()].sort((a, b) => a - b)
    const before = timeline.slice(1).filter((s) => s < restartSecond)
    const baseline = before.reduce((sum, s) => sum + (perSecond.get(s) ?? 0), 0) / Math.max(before.length, 1)
    const recovered = timeline.find((s) => s >= backSecond && (perSecond.get(s) ?? 0) >= 0.9 * baseline)
    const maxLatencyUs = Number(/^MAX_LATENCY_US ([\d.]+)$/m.exec(await output)?.[1] ?? Number.NaN)
    return {
      requests,
      serverErrors,
      unavailable,
      maxLatencyMs: maxLatencyUs / 1000,
      recoverySeconds: recovered === undefined ? undefined : recovered - backSecond,
      stopUnderLoadMs,
      stopIdleMs,
      restartAt,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
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
