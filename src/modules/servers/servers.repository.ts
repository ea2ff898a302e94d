import type { Executor } from '../../db/client'
import type { Statements } from '../../db/statements'

export interface ServerRow {
  id: string
  name: string
  created_at: Date
  mail_per_day: number | null
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

  return {
    insert: (db: Executor, name: string, keyHash: Buffer, mailPerDay: number | null) =>
      insert.one<ServerRow>(db, [name, keyHash, mailPerDay]),
    setMailPerDay: (db: Executor, name: string, mailPerDay: number | null) =>
      setMailPerDay.maybeOne<ServerRow>(db, [name, mailPerDay]),
    upsertKey: (db: Executor, name: string, keyHash: Buffer) => upsertKey.one<ServerRow>(db, [name, keyHash]),
    findByKeyHash: (db: Executor, keyHash: Buffer) => byKeyHash.maybeOne<ServerIdentity>(db, [keyHash]),
    list: (db: Executor) => list.many<ServerListRow>(db),
    deleteByName: (db: Executor, name: string) => deleteByName.maybeOne<ServerIdentity>(db, [name]),
  }
}
