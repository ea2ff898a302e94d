import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import type { Access } from '../http/access'
import { problems, success } from '../http/openapi'
import { RECENT_DELIVERIES } from './webhooks'
import { DeliveryList } from './webhooks.model'

/** GET /webhooks/deliveries: what became of the server's recent webhook events. */
export function webhooksRoutes(deps: Pick<Deps, 'webhooks'>, access: Access) {
  return new Elysia({ name: 'webhooks', prefix: '/webhooks' }).use(access.apiKey).get(
    '/deliveries',
    async ({ caller }) => {
      const rows = await deps.webhooks.recent(caller.id)
      return {
        deliveries: rows.map((row) => ({
          id: row.id,
          event: row.event,
          status: row.status,
          attempts: row.attempts,
          created_at: row.created_at.toISOString(),
          delivered_at: row.delivered_at?.toISOString() ?? null,
          last_status: row.last_status,
        })),
      }
    },
    {
      apiKey: true,
      detail: {
        tags: ['Webhooks'],
        summary: 'Recent webhook deliveries',
        description: `The server’s last ${RECENT_DELIVERIES} webhook events, newest first, with what the receiver answered. Events are queued only while the server has a webhook (bun run servers update NAME --webhook-url URL).`,
        security: [{ apiKey: [] }],
        responses: {
          ...success(200, `Up to ${RECENT_DELIVERIES} deliveries, newest first`, DeliveryList),
          ...problems('auth.invalid_api_key'),
        },
      },
    },
  )
}
