import { t } from 'elysia'

const Instant = t.String({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' })

export const DeliveryEntry = t.Object({
  id: t.String({ format: 'uuid', description: 'Also the webhook-id header of every attempt' }),
  event: t.Union([
    t.Literal('user.registered'),
    t.Literal('user.activated'),
    t.Literal('user.deleted'),
    t.Literal('user.password_changed'),
  ]),
  status: t.Union(
    [t.Literal('queued'), t.Literal('sending'), t.Literal('delivered'), t.Literal('failed'), t.Literal('cancelled')],
    {
      description:
        'queued (waiting for its next attempt), sending, delivered (a 2xx), failed (410, or not accepted within 24 h) or cancelled (the webhook was turned off)',
    },
  ),
  attempts: t.Integer({ minimum: 0 }),
  created_at: Instant,
  delivered_at: t.Union([Instant, t.Null()]),
  last_status: t.Union([t.Integer(), t.Null()], {
    description: "The receiver's HTTP status at the last attempt; null when it did not answer (or none was made)",
  }),
})

export const DeliveryList = t.Object(
  { deliveries: t.Array(DeliveryEntry) },
  {
    examples: [
      {
        deliveries: [
          {
            id: '0f8b7c1e-3d2a-4b5c-9e8f-7a6b5c4d3e2f',
            event: 'user.activated',
            status: 'queued',
            attempts: 2,
            created_at: '2026-11-25T10:00:05.000Z',
            delivered_at: null,
            last_status: 503,
          },
          {
            id: '5b0c3f5e-8a4e-4f0e-9d7e-2d1c0b9a8f7e',
            event: 'user.registered',
            status: 'delivered',
            attempts: 1,
            created_at: '2026-11-25T10:00:00.000Z',
            delivered_at: '2026-11-25T10:00:00.120Z',
            last_status: 200,
          },
        ],
      },
    ],
  },
)

export type DeliveryEntry = typeof DeliveryEntry.static
