import { Type } from '@sinclair/typebox'
import { t } from 'elysia'

/** RFC 9457 problem details, as every error answers. */
export const Problem = t.Object(
  {
    type: t.String({ description: 'urn:registration-api:problem: followed by the stable error code' }),
    title: t.String(),
    status: Type.Integer(),
    detail: t.String(),
    errors: t.Optional(
      t.Array(t.Object({ field: t.String(), message: t.String() }), {
        description: 'Each invalid or unknown field (422 on invalid input)',
      }),
    ),
    attempts_left: t.Optional(Type.Integer({ description: 'Wrong codes still allowed (422 on a wrong code)' })),
  },
  { description: 'application/problem+json (RFC 9457)' },
)
