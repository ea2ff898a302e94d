import { t } from 'elysia'

const Instant = t.String({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' })

export const EmailEntry = t.Object({
  id: t.String({ format: 'uuid' }),
  kind: t.Union([t.Literal('activation'), t.Literal('password_reset')]),
  status: t.Union([
    t.Literal('queued'),
    t.Literal('sending'),
    t.Literal('sent'),
    t.Literal('failed'),
    t.Literal('cancelled'),
  ]),
  attempts: t.Integer({ minimum: 0 }),
  created_at: Instant,
  sent_at: t.Union([Instant, t.Null()]),
  next_attempt_at: t.Union([Instant, t.Null()], {
    description: 'When the next attempt is due; null once the email is sent, failed or cancelled',
  }),
  last_error: t.Union([
    t.Object({
      status: t.Union([t.Integer(), t.Null()], { description: "Mailjet's HTTP status; null when it did not answer" }),
      code: t.Union([t.String(), t.Null()], { description: "Mailjet's ErrorCode, e.g. send-0003" }),
    }),
    t.Null(),
  ]),
})

export const EmailList = t.Object(
  { emails: t.Array(EmailEntry) },
  {
    examples: [
      {
        emails: [
          {
            id: '5b0c3f5e-8a4e-4f0e-9d7e-2d1c0b9a8f7e',
            kind: 'activation',
            status: 'queued',
            attempts: 2,
            created_at: '2026-11-25T10:00:00.000Z',
            sent_at: null,
            next_attempt_at: '2026-11-25T10:01:30.000Z',
            last_error: { status: 503, code: null },
          },
        ],
      },
    ],
  },
)

export type EmailEntry = typeof EmailEntry.static
