/**
 * Where a page of the user list ends: the last user's creation time, to the
 * microsecond as PostgreSQL stores it (a JavaScript Date would round it to the
 * millisecond and skip or repeat users), and its id to break ties. Clients see
 * it as an opaque base64url string.
 */
export interface Cursor {
  time: string
  id: string
}

/** What a client is told about an `after` that is not such a cursor. */
export const NOT_A_CURSOR = 'must be the "next" cursor of a previous page'

const TIME = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.time, id: cursor.id })).toString('base64url')
}

/** The cursor, or undefined for anything this service did not make (never a database error). */
export function decodeCursor(text: string): Cursor | undefined {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { t: time, id } = value as Record<string, unknown>
  if (typeof time !== 'string' || !TIME.test(time) || typeof id !== 'string' || !UUID.test(id)) return undefined
  // A real instant: 2026-02-30 would pass the pattern and fail in PostgreSQL.
  const date = new Date(`${time.slice(0, 23)}Z`)
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 23) !== time.slice(0, 23)) return undefined
  return { time, id }
}
