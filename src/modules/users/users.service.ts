import { type Executor, transaction } from '../../db/client'
import { isForeignKeyViolation, isUniqueViolation } from '../../db/pg-errors'
import type { Deps } from '../../deps'
import { AppError, invalidFields } from '../../errors'
import type { ActivationService } from '../activation/activation.service'
import type { ServerIdentity } from '../servers/servers.repository'
import { decodeCursor, encodeCursor, NOT_A_CURSOR } from './users.cursor'
import { isEmail, type PublicUser, type RegisteredUser, type RegisterInput, type UserPage } from './users.model'
import { createUsersRepository, toPublicUser, USER_EMAIL_UNIQUE, USER_SERVER_FOREIGN_KEY } from './users.repository'

const notFound = () => new AppError('user.not_found')

export interface ListOptions {
  limit: number
  /** The opaque cursor as the client sent it. */
  after: string | undefined
  activated: boolean | undefined
  emailPrefix: string | undefined
}

export function createUsersService(deps: Deps, activation: ActivationService) {
  const users = createUsersRepository(deps.statements)

  return {
    /**
     * The user and its code commit together; the email goes out after the commit.
     * A user of that email never activated within UNACTIVATED_TTL_SECONDS of its
     * last email is replaced, so nobody can hold someone else's address for ever.
     * `stage` runs inside that transaction with the answer as it stands before the
     * email (`"pending"`), for Idempotency-Key to keep if the instance dies right after.
     */
    async register(
      server: ServerIdentity,
      input: RegisterInput,
      stage?: (tx: Executor, answer: RegisteredUser) => Promise<void>,
    ): Promise<RegisteredUser> {
      const today = deps.clock().toISOString().slice(0, 10)
      if (input.birth_date && input.birth_date > today)
        throw invalidFields([{ field: 'birth_date', message: 'must not be in the future' }])

      const passwordHash = await deps.passwords.hash(input.password)
      const now = deps.clock()
      const squattedBefore = new Date(now.getTime() - deps.config.unactivatedTtlSeconds * 1000)
      const registered = await transaction(deps.sql, async (tx) => {
        const replaced = await users.deleteExpiredUnactivated(tx, server.id, input.email, squattedBefore)
        if (replaced) await deps.webhooks.emit(tx, server.id, 'user.deleted', toPublicUser(server.name, replaced))
        const user = await users.insert(tx, {
          serverId: server.id,
          email: input.email,
          passwordHash,
          firstName: input.first_name ?? null,
          lastName: input.last_name ?? null,
          birthDate: input.birth_date ?? null,
          now,
        })
        const issued = await activation.issue(tx, server.id, user, now)
        await deps.webhooks.emit(tx, server.id, 'user.registered', toPublicUser(server.name, user))
        await stage?.(tx, { ...toPublicUser(server.name, user), activation_email: 'pending' })
        return { user, issued }
      }).catch((error: unknown) => {
        // The unique index decides, so two registrations racing get one 201 and one 409.
        if (isUniqueViolation(error, USER_EMAIL_UNIQUE)) throw new AppError('user.already_exists')
        // The server was deleted while its key was still cached: the key is no longer valid.
        if (isForeignKeyViolation(error, USER_SERVER_FOREIGN_KEY)) throw new AppError('auth.invalid_api_key')
        throw error
      })
      const delivery = await activation.deliver(registered.issued)
      return { ...toPublicUser(server.name, registered.user), activation_email: delivery.status }
    },

    async get(server: ServerIdentity, email: string): Promise<PublicUser> {
      const user = isEmail(email) ? await users.findByEmail(deps.sql, server.id, email) : undefined
      if (!user) throw notFound()
      return toPublicUser(server.name, user)
    },

    /** Newest first, by keyset: a page costs the same at any depth, and users added meanwhile do not shift it. */
    async list(server: ServerIdentity, options: ListOptions): Promise<UserPage> {
      const after = options.after === undefined ? undefined : decodeCursor(options.after)
      // It fits the documented form but is not ours: a refusal of its meaning, not of its form.
      if (options.after !== undefined && !after)
        throw new AppError('user.unknown_cursor', { extra: { errors: [{ field: 'after', message: NOT_A_CURSOR }] } })
      // One more than the page tells whether another page follows.
      const rows = await users.page(deps.sql, {
        serverId: server.id,
        after,
        activated: options.activated,
        emailPrefix: options.emailPrefix,
        limit: options.limit + 1,
      })
      const page = rows.slice(0, options.limit)
      const last = page.at(-1)
      return {
        users: page.map((row) => toPublicUser(server.name, row)),
        next: rows.length > options.limit && last ? encodeCursor({ time: last.cursor_time, id: last.id }) : null,
      }
    },

    async delete(server: ServerIdentity, email: string): Promise<PublicUser> {
      if (!isEmail(email)) throw notFound()
      return transaction(deps.sql, async (tx) => {
        const user = await users.deleteByEmail(tx, server.id, email)
        if (!user) throw notFound()
        const deleted = toPublicUser(server.name, user)
        await deps.webhooks.emit(tx, server.id, 'user.deleted', deleted)
        return deleted
      })
    },
  }
}
