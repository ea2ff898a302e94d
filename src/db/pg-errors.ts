import postgres from 'postgres'

const UNIQUE_VIOLATION = '23505'
const FOREIGN_KEY_VIOLATION = '23503'

/** Unique violations are matched by constraint name so a race becomes a typed domain error. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof postgres.PostgresError && error.code === UNIQUE_VIOLATION && error.constraint_name === constraint
  )
}

/** A row that points at one that is gone, e.g. a user of a server deleted meanwhile. */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof postgres.PostgresError &&
    error.code === FOREIGN_KEY_VIOLATION &&
    error.constraint_name === constraint
  )
}
