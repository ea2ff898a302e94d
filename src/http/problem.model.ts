import { t } from 'elysia'

/** RFC 9457 problem details, as every error answers. */
export const Problem = t.Object(
  {
    type: t.String({ examples: ['urn:registration-api:problem:user.not_found'] }),
    title: t.String({ examples: ['User not found'] }),
    status: t.Integer({ examples: [404] }),
    detail: t.String({ examples: ['This server has no user with that email.'] }),
    errors: t.Optional(
      t.Array(t.Object({ field: t.String({ examples: ['password'] }), message: t.String() }), {
        description: 'Each invalid or unknown field (422 on invalid input)',
      }),
    ),
    attempts_left: t.Optional(t.Integer({ description: 'Wrong codes still allowed (422 on a wrong code)' })),
  },
  { description: 'application/problem+json (RFC 9457)' },
)
