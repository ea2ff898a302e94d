import type { Scenario } from './scenarios'

export interface LoadOptions {
  url: string
  connections: number
  threads: number
  seconds: number
}

export interface LoadResult {
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  errors: number
  /** Answers by HTTP status, for scenarios that ask for them (`countStatuses`). */
  statuses: Record<string, number>
  /** The slowest answer (wrk only). */
  maxLatencyMs?: number
  /** Answers by Unix second and status, for scenarios that ask (`countStatuses: 'per-second'`, wrk only). */
  bySecond?: { second: number; status: number; count: number }[]
}

export interface LoadGenerator {
  name: string
  run(scenario: Scenario, options: LoadOptions): Promise<LoadResult>
}
