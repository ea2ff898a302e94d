import { Elysia } from 'elysia'
import { withDatabaseBudget } from '../db/guard'

/**
 * Every request gets DATABASE_TIMEOUT_MS of database waiting in all (see withDatabaseBudget):
 * the bound within which a request answers 503 while the database does not answer.
 */
export function databaseBudget(timeoutMs: number) {
  return new Elysia({ name: 'database-budget' }).wrap(
    (handle) => (request: Request) => withDatabaseBudget(timeoutMs, handle, request),
  )
}
