import { type Sql, transaction } from '../../db/client'
import { isUniqueViolation } from '../../db/pg-errors'
import type { Statements } from '../../db/statements'
import { type CodeKeys, randomToken, sha256 } from '../../secrets'
import { decryptWebhookSecret, encryptWebhookSecret, newWebhookSecret } from '../../webhooks/webhooks.secret'
import { createServersRepository } from './servers.repository'

export class ServerNameTakenError extends Error {
  constructor(readonly serverName: string) {
    super(`a server named "${serverName}" already exists`)
  }
}

export class InvalidServerNameError extends Error {}

/** A webhook command that needs SECRET_KEY (to seal the secret) without one, or a server without a webhook. */
export class WebhookSettingError extends Error {}

export interface CreatedServer {
  id: string
  name: string
  api_key: string
  /** Shown only when the server has a share of the daily mail quota. */
  mail_per_day?: number
  /** Shown only when the server has a webhook. */
  webhook_url?: string
  /** The webhook's signing secret, shown once, when it is made. */
  webhook_secret?: string
}

/** What a server may be created or updated with; more settings (e.g. a webhook URL) join here. */
export interface ServerSettings {
  /** Its own share of the daily mail quota; null: none. */
  mailPerDay?: number | null
  /** Where its webhook events go (an http(s) URL); null: no webhook. */
  webhookUrl?: string | null
}

const shown = (row: { mail_per_day: number | null; webhook_url?: string | null }) => ({
  ...(row.mail_per_day === null ? {} : { mail_per_day: row.mail_per_day }),
  ...(row.webhook_url ? { webhook_url: row.webhook_url } : {}),
})

/** A server's name is the From name of its emails: printable, 1 to 100 characters. */
function checkName(name: string): string {
  const trimmed = name.trim()
  if (trimmed.length < 1 || trimmed.length > 100 || /\p{Cc}/u.test(trimmed))
    throw new InvalidServerNameError('a server name is 1 to 100 printable characters')
  return trimmed
}

/** Use cases behind `bun run servers` and the `local` server of `bun run dev`. */
export function createServersService(deps: { sql: Sql; statements: Statements; keys?: CodeKeys }) {
  const repo = createServersRepository(deps.statements)

  /** A new signing secret, and its sealed form for the database. */
  function webhookSecret() {
    if (!deps.keys) throw new WebhookSettingError('a webhook secret needs SECRET_KEY (at least 32 characters)')
    const secret = newWebhookSecret()
    return { secret, sealed: encryptWebhookSecret(deps.keys, secret) }
  }

  return {
    async create(rawName: string, settings: ServerSettings = {}): Promise<CreatedServer> {
      const name = checkName(rawName)
      const apiKey = randomToken()
      const webhook = settings.webhookUrl ? webhookSecret() : undefined
      try {
        const row = await repo.insert(deps.sql, {
          name,
          keyHash: sha256(apiKey),
          mailPerDay: settings.mailPerDay ?? null,
          webhookUrl: webhook ? (settings.webhookUrl ?? null) : null,
          webhookSecret: webhook?.sealed ?? null,
        })
        return {
          id: row.id,
          name: row.name,
          api_key: apiKey,
          ...shown(row),
          ...(webhook ? { webhook_secret: webhook.secret } : {}),
        }
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
        ...shown(row),
      }))
    },

    /** Resolves the server as it is now, or undefined when there is no such server. */
    async update(name: string, settings: ServerSettings) {
      const { mailPerDay, webhookUrl } = settings
      const current = await repo.webhookByName(deps.sql, name)
      if (!current) return undefined
      // A webhook turned on again keeps its secret; a first one gets a new secret, shown once.
      const webhook = webhookUrl && !current.has_secret ? webhookSecret() : undefined
      return transaction(deps.sql, async (tx) => {
        let row = mailPerDay === undefined ? undefined : await repo.setMailPerDay(tx, name, mailPerDay)
        if (webhookUrl !== undefined) row = await repo.setWebhook(tx, name, webhookUrl, webhook?.sealed ?? null)
        return (
          row && {
            id: row.id,
            name: row.name,
            mail_per_day: row.mail_per_day,
            webhook_url: row.webhook_url,
            ...(webhook ? { webhook_secret: webhook.secret } : {}),
          }
        )
      })
    },

    /** A new signing secret for the server's webhook (the old one stops at once); undefined: no such server. */
    async rotateWebhookSecret(name: string) {
      const current = await repo.webhookByName(deps.sql, name)
      if (!current) return undefined
      if (!current.webhook_url)
        throw new WebhookSettingError(`server "${name}" has no webhook; give it one with --webhook-url`)
      const { secret, sealed } = webhookSecret()
      const row = await repo.rotateWebhookSecret(deps.sql, name, sealed)
      if (!row) throw new WebhookSettingError(`server "${name}" has no webhook; give it one with --webhook-url`)
      return { id: row.id, name: row.name, webhook_url: row.webhook_url, webhook_secret: secret }
    },

    /**
     * After a SECRET_KEY rotation: every webhook secret sealed again under SECRET_KEY (opened
     * with it or SECRET_KEY_PREVIOUS), the secrets themselves unchanged. Names the servers
     * whose secret opens under neither key (they need rotate-webhook-secret).
     */
    async resealWebhookSecrets() {
      const keys = deps.keys
      if (!keys) throw new WebhookSettingError('resealing needs SECRET_KEY (at least 32 characters)')
      let resealed = 0
      const unreadable: string[] = []
      for (const row of await repo.webhookSecrets(deps.sql)) {
        const secret = decryptWebhookSecret(keys, row.webhook_secret)
        if (secret === undefined) unreadable.push(row.name)
        else if (
          await repo.resealWebhookSecret(deps.sql, row.id, encryptWebhookSecret(keys, secret), row.webhook_secret)
        )
          resealed += 1
      }
      return { resealed, unreadable }
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
