import postgres from 'postgres'

const UNIQUE_VIOLATION = '23505'

/** Unique violations are matched by constraint name so a race becomes a typed domain error. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof postgres.PostgresError && error.code === UNIQUE_VIOLATION && error.constraint_name === constraint
  )
}
