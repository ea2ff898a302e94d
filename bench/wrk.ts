import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadGenerator, LoadOptions, LoadResult } from './load'
import type { BenchRequest, Scenario } from './scenarios'

// ASCII only in our requests, so JSON string escapes are valid Lua string escapes.
const lua = (value: string) => JSON.stringify(value)

function luaRequest(r: BenchRequest): string {
  const headers = Object.entries(r.headers)
    .map(([name, value]) => `[${lua(name)}]=${lua(value)}`)
    .join(',')
  return `{${lua(r.method)},${lua(r.path)},{${headers}},${r.body === undefined ? 'nil' : lua(r.body)}}`
}

// Per-thread counters of each status seen, summed in done() and printed as "status_NNN count";
// per second too ("second_UNIXTIME_NNN count") when a scenario follows a fault over time.
const countStatuses = (perSecond: boolean) => `
local threads = {}
local setup_thread = setup
function setup(thread)
  setup_thread(thread)
  table.insert(threads, thread)
end
function response(status, headers, body)
  local name = "status_" .. status
  _G[name] = (_G[name] or 0) + 1
  seen = (seen or "") .. (_G[name] == 1 and (name .. " ") or "")${
    perSecond
      ? `
  local at = "second_" .. os.time() .. "_" .. status
  _G[at] = (_G[at] or 0) + 1
  seen = seen .. (_G[at] == 1 and (at .. " ") or "")`
      : ''
  }
end
function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for name in string.gmatch(thread:get("seen") or "", "%S+") do
      totals[name] = (totals[name] or 0) + thread:get(name)
    end
  end
  for name, count in pairs(totals) do io.write(string.format("%s %d\\n", name, count)) end
end
`

/** Each wrk thread formats every request once, then walks the list from its own offset. */
function script(scenario: Scenario, threads: number): string {
  return `local requests = {
${scenario.requests.map(luaRequest).join(',\n')}
}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
local prepared, i
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
${scenario.countStatuses ? countStatuses(scenario.countStatuses === 'per-second') : ''}`
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function duration(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '')
  if (!match?.[1] || !match[2]) throw new Error(`wrk printed an unexpected latency: ${text}`)
  return Number(match[1]) * (UNIT_MS[match[2]] ?? Number.NaN)
}

export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  return {
    requests: number(/(\d+) requests in/),
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: duration(/ 50%\s+(\S+)/.exec(output)?.[1]),
    p99Ms: duration(/ 99%\s+(\S+)/.exec(output)?.[1]),
    errors:
      number(/Non-2xx or 3xx responses: (\d+)/) +
      (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
    statuses: Object.fromEntries([...output.matchAll(/^status_(\d+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])])),
    maxLatencyMs: duration(/^\s+Latency\s+\S+\s+\S+\s+(\S+)/m.exec(output)?.[1]),
    bySecond: [...output.matchAll(/^second_(\d+)_(\d+) (\d+)$/gm)].map((m) => ({
      second: Number(m[1]),
      status: Number(m[2]),
      count: Number(m[3]),
    })),
  }
}

export const wrk: LoadGenerator = {
  name: 'wrk',
  async run(scenario: Scenario, options: LoadOptions): Promise<LoadResult> {
    const dir = await mkdtemp(join(tmpdir(), 'registration-api-wrk-'))
    try {
      const scriptPath = join(dir, 'requests.lua')
      await Bun.write(scriptPath, script(scenario, options.threads))
      const child = Bun.spawn(
        [
          'wrk',
          `-t${options.threads}`,
          `-c${options.connections}`,
          `-d${options.seconds}s`,
          '--latency',
          '--timeout',
          '10s',
          '-s',
          scriptPath,
          options.url,
        ],
        { stdout: 'pipe', stderr: 'pipe' },
      )
      const [code, output, errors] = await Promise.all([
        child.exited,
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ])
      if (code !== 0) throw new Error(`wrk failed (exit ${code}): ${errors || output}`)
      return parseWrk(output)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
}
