import { Elysia } from 'elysia'
import type { Metrics } from '../metrics/metrics'

/** Answers a scrape: Prometheus text format. */
export async function metricsResponse(metrics: Metrics): Promise<Response> {
  return new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } })
}

/**
 * Times every request by route pattern (`/users/:email`, never the path, so no
 * email reaches a label) and, unless it has a port of its own, serves GET /metrics.
 */
export function httpMetrics(metrics: Metrics, serveHere: boolean) {
  const started = new WeakMap<Request, number>()
  const plugin = new Elysia({ name: 'http-metrics' })
    .onRequest(({ request }) => void started.set(request, performance.now()))
    .onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      const start = started.get(request)
      const status = responseValue instanceof Response ? responseValue.status : Number(set.status ?? 200)
      metrics.observeRequest(
        request.method,
        route || 'unmatched',
        status,
        start === undefined ? 0 : (performance.now() - start) / 1000,
      )
    })
  if (!serveHere) return plugin
  return plugin.get('/metrics', () => metricsResponse(metrics), {
    detail: {
      tags: ['Health'],
      summary: 'Prometheus metrics',
      security: [],
      description:
        'HTTP requests by route pattern and status, their durations, email and webhook outcomes, the depth of both queues and the age of their oldest due entry, the mail pause state and database pool use. Turned off with METRICS=off, or served on METRICS_PORT instead.',
      responses: {
        200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    },
  })
}
