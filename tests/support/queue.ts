import type { Sql } from '../../src/db/client'

/**
 * Tests that move the clock far ahead would otherwise see every email other test
 * files left queued as due, and send it or count it against a quota: they start
 * from an empty queue. (Test files run one after another, never at once.)
 */
export async function cancelLeftoverEmails(sql: Sql): Promise<void> {
  await sql`UPDATE emails SET status = 'cancelled', locked_by = NULL, locked_until = NULL
            WHERE status IN ('queued', 'sending')`
}

/**
 * Whether no email to these addresses is still being sent: the fake Mailjet counts an
 * email before the service records Mailjet's answer, and a test that jumps the clock
 * before that would let the send's lease run out under it.
 */
export async function sendsRecorded(sql: Sql, addresses: string[]): Promise<boolean> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM emails
    WHERE status = 'sending' AND recipient = ANY(${addresses.map((a) => a.toLowerCase())}::text[])`
  return row?.n === 0
}

/** The queue as a failure message shows it: these addresses' emails, the pause, every live lease. */
export async function describeQueue(sql: Sql, addresses: string[]): Promise<string> {
  const rows = await sql`
    SELECT recipient, status, attempts, locked_by, locked_until, next_attempt_at, sent_at, last_error_status
    FROM emails WHERE recipient = ANY(${addresses.map((a) => a.toLowerCase())}::text[]) ORDER BY created_at`
  const pause = await sql`SELECT * FROM mail_pause`
  const leases = await sql`SELECT count(*)::int AS n, max(locked_until) AS latest FROM emails WHERE status = 'sending'`
  return JSON.stringify({ emails: rows, pause, leases })
}
