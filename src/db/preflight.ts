import postgres from 'postgres'

/** The database named by a URL does not answer: one line naming its host and port, and what to do. */
export class DatabaseUnreachableError extends Error {}

const PREFLIGHT_TIMEOUT_MS = 5_000

function why(error: unknown, host: string, where: string, user: string, database: string): string {
  const { code, message } = error as { code?: string; message?: string }
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing answers at ${where} (connection refused)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return host === 'db'
        ? `the host "db" is not known here: it is the database's name inside docker compose; from this machine use localhost:6432`
        : `the host "${host}" is not known here`
    case 'CONNECT_TIMEOUT':
    case 'TIMEOUT':
      return `no answer from ${where} within ${PREFLIGHT_TIMEOUT_MS / 1000} s`
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused user "${user}" (${message})`
    case '3D000':
      return `database "${database}" does not exist at ${where}`
    default:
      return `PostgreSQL at ${where} failed: ${message ?? String(error)}`
  }
}

/**
 * Connects once before anything else runs, so that a database that is down, unknown
 * or refusing us stops a command within seconds with one line instead of a stack
 * trace after the pool's retries.
 */
export async function assertDatabaseAnswers(url: string, variable = 'DATABASE_URL'): Promise<void> {
  const parsed = new URL(url)
  const host = parsed.hostname
  const where = `${host}:${parsed.port || 5432}`
  const sql = postgres(url, {
    max: 1,
    connect_timeout: PREFLIGHT_TIMEOUT_MS / 1000,
    onnotice: () => {},
    connection: { application_name: 'registration-api preflight' },
  })
  let timer: Timer | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), PREFLIGHT_TIMEOUT_MS)
  })
  try {
    await Promise.race([sql`SELECT 1`, timeout])
  } catch (error) {
    const user = decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres'
    const database = decodeURIComponent(parsed.pathname.slice(1)) || user
    throw new DatabaseUnreachableError(
      `cannot use the database at ${where}: ${why(error, host, where, user, database)}; start it, or fix ${variable}`,
    )
  } finally {
    clearTimeout(timer)
    await sql.end({ timeout: 0 })
  }
}
