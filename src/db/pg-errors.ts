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

// The driver's own codes, the socket's, and PostgreSQL's for a server that is going away,
// starting up, full, or stopped the statement at statement_timeout (57014).
const UNAVAILABLE = new Set([
  'DATABASE_TIMEOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '53300',
])

/** The database is down, unreachable or too slow: a 503 the client may retry, never a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  // SQLSTATE class 08: connection exceptions.
  return typeof code === 'string' && (UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code))
}
