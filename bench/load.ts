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
}

export interface LoadGenerator {
  name: string
  run(scenario: Scenario, options: LoadOptions): Promise<LoadResult>
}
