import type { Sql } from '../../db/client'
import { isUniqueViolation } from '../../db/pg-errors'
import type { Statements } from '../../db/statements'
import { randomToken, sha256 } from '../../secrets'
import { createServersRepository } from './servers.repository'

export class ServerNameTakenError extends Error {
  constructor(readonly serverName: string) {
    super(`a server named "${serverName}" already exists`)
  }
}

export class InvalidServerNameError extends Error {}

export interface CreatedServer {
  id: string
  name: string
  api_key: string
  /** Shown only when the server has a share of the daily mail quota. */
  mail_per_day?: number
}

/** What a server may be created or updated with; more settings (e.g. a webhook URL) join here. */
export interface ServerSettings {
  /** Its own share of the daily mail quota; null: none. */
  mailPerDay?: number | null
}

const shown = (mailPerDay: number | null) => (mailPerDay === null ? {} : { mail_per_day: mailPerDay })

/** A server's name is the From name of its emails: printable, 1 to 100 characters. */
function checkName(name: string): string {
  const trimmed = name.trim()
  if (trimmed.length < 1 || trimmed.length > 100 || /\p{Cc}/u.test(trimmed))
    throw new InvalidServerNameError('a server name is 1 to 100 printable characters')
  return trimmed
}

/** Use cases behind `bun run servers` and the `local` server of `bun run dev`. */
export function createServersService(deps: { sql: Sql; statements: Statements }) {
  const repo = createServersRepository(deps.statements)

  return {
    async create(rawName: string, settings: ServerSettings = {}): Promise<CreatedServer> {
      const name = checkName(rawName)
      const apiKey = randomToken()
      try {
        const row = await repo.insert(deps.sql, name, sha256(apiKey), settings.mailPerDay ?? null)
        return { id: row.id, name: row.name, api_key: apiKey, ...shown(row.mail_per_day) }
      } catch (error) {
        if (isUniqueViolation(error, 'servers_name_key')) throw new ServerNameTakenError(name)
        throw error
      }
    },

    async list() {
      const rows = await repo.list(deps.sql)
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        created_at: row.created_at.toISOString(),
        user_count: row.user_count,
        ...shown(row.mail_per_day),
      }))
    },

    /** Resolves the server as it is now, or undefined when there is no such server. */
    async update(name: string, settings: ServerSettings) {
      if (settings.mailPerDay === undefined) return undefined
      const row = await repo.setMailPerDay(deps.sql, name, settings.mailPerDay)
      return row && { id: row.id, name: row.name, mail_per_day: row.mail_per_day }
    },

    /** Resolves false when there was no such server. */
    async delete(name: string): Promise<boolean> {
      return (await repo.deleteByName(deps.sql, name)) !== undefined
    },

    /**
     * Keeps server `name` usable with `storedKey` when that key still belongs to it,
     * otherwise gives it a fresh key. Returns the key that works now.
     */
    async ensure(name: string, storedKey: string | undefined): Promise<CreatedServer> {
      if (storedKey) {
        const current = await repo.findByKeyHash(deps.sql, sha256(storedKey))
        if (current?.name === name) return { id: current.id, name, api_key: storedKey }
      }
      const apiKey = randomToken()
      const row = await repo.upsertKey(deps.sql, name, sha256(apiKey))
      return { id: row.id, name: row.name, api_key: apiKey }
    },
  }
}
