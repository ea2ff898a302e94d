import { Elysia } from 'elysia'
import type { Inbox } from '../mail/inbox'
import { inboxPage } from './inbox.page'

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // Inline styles only: the emails' own HTML runs in sandboxed frames, never scripts.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** `bun run dev` only, without Mailjet keys: the emails it kept, as a page and as JSON. Not in the API's docs. */
export function inboxRoutes(inbox: Inbox) {
  return new Elysia({ name: 'dev-inbox' })
    .get('/dev/inbox', () => new Response(inboxPage(inbox.list()), { headers: PAGE_HEADERS }), {
      detail: { hide: true },
    })
    .get(
      '/dev/inbox.json',
      () =>
        inbox.list().map(({ id, receivedAt, message, code, link }) => ({
          id,
          received_at: receivedAt.toISOString(),
          to: message.to.email,
          subject: message.subject,
          code,
          link,
          text: message.text,
          html: message.html,
        })),
      { detail: { hide: true } },
    )
}
