import { Elysia } from 'elysia'
import type { Logger } from '../log'

const REQUEST_ID = /^[\w.:-]{1,128}$/

interface Timing {
  id: string
  startedAt: number
}

/**
 * One JSON line per request. It names the route pattern (`/users/:email`), not
 * the path, so no email or token reaches the log; X-Request-Id is honoured when
 * sane, otherwise generated, and echoed on the response.
 */
export function requestLog(log: Logger) {
  const timings = new WeakMap<Request, Timing>()

  return new Elysia({ name: 'request-log' })
    .onRequest(({ request, set }) => {
      const sent = request.headers.get('x-request-id')
      const id = sent && REQUEST_ID.test(sent) ? sent : crypto.randomUUID()
      set.headers['x-request-id'] = id
      timings.set(request, { id, startedAt: performance.now() })
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      const timing = timings.get(request)
      log.info('request', {
        method: request.method,
        route: route || null,
        status: responseValue instanceof Response ? responseValue.status : set.status,
        duration_ms: timing ? Math.round((performance.now() - timing.startedAt) * 10) / 10 : null,
        request_id: timing?.id ?? null,
      })
    })
}
