import type { Executor } from '../../db/client'
import type { Statements } from '../../db/statements'
import type { Cursor } from './users.cursor'
import type { PublicUser } from './users.model'

export interface UserRow {
  id: string
  email: string
  password_hash: string
  first_name: string | null
  last_name: string | null
  birth_date: string | null
  is_activated: boolean
  activated_at: Date | null
  last_sign_in_at: Date | null
  time_created: Date
  time_updated: Date
}

export interface NewUser {
  serverId: string
  email: string
  passwordHash: string
  firstName: string | null
  lastName: string | null
  birthDate: string | null
  now: Date
}

/** A user row as the queries that never need the hash return it. */
export type PublicUserRow = Omit<UserRow, 'password_hash'>

/** The user as every route returns it: fields picked one by one, so no hash can slip through. */
export function toPublicUser(serverName: string, row: PublicUserRow): PublicUser {
  return {
    id: row.id,
    server: serverName,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    birth_date: row.birth_date,
    is_activated: row.is_activated,
    activated_at: row.activated_at?.toISOString() ?? null,
    last_sign_in_at: row.last_sign_in_at?.toISOString() ?? null,
    time_created: row.time_created.toISOString(),
    time_updated: row.time_updated.toISOString(),
  }
}

export interface PageQuery {
  serverId: string
  after: Cursor | undefined
  activated: boolean | undefined
  emailPrefix: string | undefined
  limit: number
}

/** A listed user, with its exact creation time for the next page's cursor. */
export type PageRow = PublicUserRow & { cursor_time: string }

export const USER_EMAIL_UNIQUE = 'users_server_email_key'
export const USER_SERVER_FOREIGN_KEY = 'users_server_id_fkey'

export function createUsersRepository(statements: Statements) {
  const insert = statements.get('users/insert_user')
  const byEmail = statements.get('users/select_user_by_email')
  const deleteByEmail = statements.get('users/delete_user_by_email')
  const deleteExpiredUnactivated = statements.get('users/delete_expired_unactivated_user')
  const recordSignIn = statements.get('users/update_user_last_sign_in')
  const replacePassword = statements.get('users/update_user_password')
  const page = statements.get('users/select_users_page')

  return {
    insert: (db: Executor, user: NewUser) =>
      insert.one<UserRow>(db, [
        user.serverId,
        user.email,
        user.passwordHash,
        user.firstName,
        user.lastName,
        user.birthDate,
        user.now,
      ]),
    findByEmail: (db: Executor, serverId: string, email: string) => byEmail.maybeOne<UserRow>(db, [serverId, email]),
    deleteByEmail: (db: Executor, serverId: string, email: string) =>
      deleteByEmail.maybeOne<UserRow>(db, [serverId, email]),
    deleteExpiredUnactivated: (db: Executor, serverId: string, email: string, lastEmailBefore: Date) =>
      deleteExpiredUnactivated.maybeOne<UserRow>(db, [serverId, email, lastEmailBefore]),
    recordSignIn: (db: Executor, userId: string, now: Date) => recordSignIn.maybeOne<PublicUserRow>(db, [userId, now]),
    /** False when the hash is no longer `verifiedHash`: the password changed meanwhile. */
    replacePassword: async (db: Executor, userId: string, passwordHash: string, verifiedHash: string, now: Date) =>
      (await replacePassword.maybeOne(db, [userId, passwordHash, verifiedHash, now])) !== undefined,
    page: (db: Executor, q: PageQuery) =>
      page.many<PageRow>(
        db,
        [q.serverId, q.after?.time ?? null, q.after?.id ?? null, q.activated ?? null, q.limit, q.emailPrefix ?? null],
        { prepare: false },
      ),
  }
}
