import { Elysia } from 'elysia'
import type { Logger } from '../log'

const REQUEST_ID = /^[\w.:-]{1,128}$/

interface Timing {
  id: string
  startedAt: number
}

/**
 * X-Request-Id is honoured when sane, otherwise generated, and echoed on every
 * response. At LOG_LEVEL info or debug, one JSON line per request names the
 * route pattern (`/users/:email`), not the path, so no email or token reaches
 * the log; above info the timing hooks are not installed at all.
 */
export function requestLog(log: Logger) {
  const logRequests = log.enabled('info')
  const timings = new WeakMap<Request, Timing>()

  const plugin = new Elysia({ name: 'request-log' }).onRequest(({ request, set }) => {
    const sent = request.headers.get('x-request-id')
    const id = sent && REQUEST_ID.test(sent) ? sent : crypto.randomUUID()
    set.headers['x-request-id'] = id
    if (logRequests) timings.set(request, { id, startedAt: performance.now() })
  })
  if (!logRequests) return plugin

  return plugin.onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
    const timing = timings.get(request)
    const status = responseValue instanceof Response ? responseValue.status : set.status
    // A container's health probe every few seconds would fill the log: a healthy answer is debug.
    const at = route === '/health' && status === 200 ? log.debug : log.info
    at('request', {
      method: request.method,
      route: route || null,
      status,
      duration_ms: timing ? Math.round((performance.now() - timing.startedAt) * 10) / 10 : null,
      request_id: timing?.id ?? null,
    })
  })
}
