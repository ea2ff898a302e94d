import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { Access } from '../http/access'
import { problems, success } from '../http/openapi'
import { EmailParam, isEmail } from '../modules/users/users.model'
import { type EmailEntry, EmailList } from './delivery.model'
import type { EmailRow } from './delivery.repository'

const WAITING = new Set(['queued', 'sending'])

function toEntry(row: EmailRow): EmailEntry {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    created_at: row.created_at.toISOString(),
    sent_at: row.sent_at?.toISOString() ?? null,
    next_attempt_at: WAITING.has(row.status) ? row.next_attempt_at.toISOString() : null,
    last_error:
      row.last_error_status === null && row.last_error_code === null
        ? null
        : { status: row.last_error_status, code: row.last_error_code },
  }
}

/** GET /users/{email}/emails: what became of a user's emails. */
export function deliveryRoutes(deps: Pick<Deps, 'sql' | 'delivery'>, access: Access) {
  return new Elysia({ name: 'delivery', prefix: '/users' }).use(access.apiKey).get(
    '/:email/emails',
    async ({ caller, params }) => {
      const rows = isEmail(params.email) ? await deps.delivery.repo.ofUser(deps.sql, caller.id, params.email) : []
      if (rows.length === 0) throw new AppError('user.not_found')
      return { emails: rows.flatMap((row) => (row.id === null ? [] : [toEntry(row as EmailRow)])) }
    },
    {
      apiKey: true,
      params: EmailParam,
      detail: {
        tags: ['Users'],
        summary: "A user's emails",
        description:
          'Its activation emails, newest first: queued (waiting for Mailjet, a quota or a cap), sending, sent, failed (refused for good, or not accepted within MAIL_GIVE_UP_SECONDS) or cancelled (replaced by a newer one, or the user activated).',
        security: [{ apiKey: [] }],
        responses: {
          ...success(200, 'The emails, newest first', EmailList),
          ...problems('auth.invalid_api_key', 'user.not_found'),
        },
      },
    },
  )
}
