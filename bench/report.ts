import type { LoadResult } from './load'

export interface Row {
  name: string
  result: LoadResult
  peakRssMiB: number
}

const fixed = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

export function table(rows: Row[]): string {
  const lines = [
    '| load | requests | req/s | p50 ms | p99 ms | errors | service peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      ({ name, result, peakRssMiB }) =>
        `| ${name} | ${fixed(result.requests)} | ${fixed(result.requestsPerSecond)} | ${fixed(result.p50Ms, 2)} | ${fixed(result.p99Ms, 2)} | ${fixed(result.errors)} | ${fixed(peakRssMiB, 1)} |`,
    ),
  ]
  return lines.join('\n')
}

export interface Target {
  what: string
  measured: string
  met: boolean
}

export function targets(list: Target[]): string {
  return [
    '| target | measured | met |',
    '|---|---|---|',
    ...list.map((t) => `| ${t.what} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
  ].join('\n')
}

export { fixed }
