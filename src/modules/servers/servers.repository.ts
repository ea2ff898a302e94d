import type { Executor } from '../../db/client'
import type { Statements } from '../../db/statements'

export interface ServerRow {
  id: string
  name: string
  created_at: Date
  mail_per_day: number | null
  webhook_url: string | null
}

export interface NewServer {
  name: string
  keyHash: Buffer
  mailPerDay: number | null
  webhookUrl: string | null
  webhookSecret: Buffer | null
}

export interface ServerIdentity {
  id: string
  name: string
}

export interface ServerListRow extends ServerRow {
  user_count: number
}

export function createServersRepository(statements: Statements) {
  const insert = statements.get('servers/insert_server')
  const upsertKey = statements.get('servers/upsert_server_api_key')
  const byKeyHash = statements.get('servers/select_server_by_api_key_hash')
  const list = statements.get('servers/select_servers_with_user_count')
  const deleteByName = statements.get('servers/delete_server_by_name')
  const setMailPerDay = statements.get('servers/update_server_mail_per_day')
  const setWebhook = statements.get('servers/update_server_webhook')
  const webhookByName = statements.get('servers/select_server_webhook_by_name')
  const rotateWebhookSecret = statements.get('servers/rotate_server_webhook_secret')
  const webhookSecrets = statements.get('servers/select_server_webhook_secrets')
  const resealWebhookSecret = statements.get('servers/reseal_server_webhook_secret')

  return {
    insert: (db: Executor, s: NewServer) =>
      insert.one<ServerRow>(db, [s.name, s.keyHash, s.mailPerDay, s.webhookUrl, s.webhookSecret]),
    setWebhook: (db: Executor, name: string, url: string | null, sealedSecret: Buffer | null) =>
      setWebhook.maybeOne<ServerRow>(db, [name, url, sealedSecret]),
    webhookByName: (db: Executor, name: string) =>
      webhookByName.maybeOne<{ id: string; webhook_url: string | null; has_secret: boolean }>(db, [name]),
    webhookSecrets: (db: Executor) => webhookSecrets.many<{ id: string; name: string; webhook_secret: Buffer }>(db),
    resealWebhookSecret: (db: Executor, id: string, sealed: Buffer, previous: Buffer) =>
      resealWebhookSecret.maybeOne(db, [id, sealed, previous]),
    rotateWebhookSecret: (db: Executor, name: string, sealedSecret: Buffer) =>
      rotateWebhookSecret.maybeOne<{ id: string; name: string; webhook_url: string }>(db, [name, sealedSecret]),
    setMailPerDay: (db: Executor, name: string, mailPerDay: number | null) =>
      setMailPerDay.maybeOne<ServerRow>(db, [name, mailPerDay]),
    upsertKey: (db: Executor, name: string, keyHash: Buffer) => upsertKey.one<ServerRow>(db, [name, keyHash]),
    findByKeyHash: (db: Executor, keyHash: Buffer) => byKeyHash.maybeOne<ServerIdentity>(db, [keyHash]),
    list: (db: Executor) => list.many<ServerListRow>(db),
    deleteByName: (db: Executor, name: string) => deleteByName.maybeOne<ServerIdentity>(db, [name]),
  }
}
