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
