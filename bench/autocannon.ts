import autocannon from 'autocannon'
import type { LoadGenerator, LoadOptions, LoadResult } from './load'
import type { Scenario } from './scenarios'

/** The fallback where Debian's wrk is missing; it runs in the benchmark's process, not the service's. */
export const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',
  async run(scenario: Scenario, options: LoadOptions): Promise<LoadResult> {
    let next = 0
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.seconds,
      timeout: 10,
      requests: [
        {
          setupRequest: (request) => {
            const r = scenario.requests[next++ % scenario.requests.length]
            return r ? { ...request, method: r.method, path: r.path, headers: r.headers, body: r.body } : request
          },
        },
      ],
    })
    return {
      requests: result.requests.total,
      requestsPerSecond: result.requests.total / options.seconds,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      statuses: Object.fromEntries(
        Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats?.count ?? 0]),
      ),
    }
  },
}
