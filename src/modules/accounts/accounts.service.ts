import { type Executor, transaction } from '../../db/client'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import type { PasswordResetService } from '../password-reset/password-reset.service'
import type { ServerIdentity } from '../servers/servers.repository'
import { isEmail, type PublicUser } from '../users/users.model'
import { createUsersRepository, toPublicUser, type UserRow } from '../users/users.repository'

/**
 * What servers do with an account: check its password at sign-in, change it.
 * Each use case takes the user whose Basic credentials the route already verified.
 */
export function createAccountsService(deps: Deps, passwordReset: Pick<PasswordResetService, 'revokeLive'>) {
  const users = createUsersRepository(deps.statements)

  /**
   * The one place a password changes, in one transaction with everything a new
   * password must end: the user's live password-reset code.
   */
  async function replacePassword(db: Executor, serverId: string, user: UserRow, passwordHash: string): Promise<void> {
    if (!(await users.replacePassword(db, user.id, passwordHash, user.password_hash, deps.clock())))
      throw invalidCredentials()
    await passwordReset.revokeLive(db, serverId, user.email)
  }

  /** In the changing transaction: the user.password_changed webhook event, with the user as it now is. */
  async function announcePasswordChange(tx: Executor, server: ServerIdentity, email: string): Promise<void> {
    const changed = await users.findByEmail(tx, server.id, email)
    if (changed) await deps.webhooks.emit(tx, server.id, 'user.password_changed', toPublicUser(server.name, changed))
  }

  return {
    /** 403 comes only after the password was verified, so a guesser learns nothing about the account. */
    async signIn(server: ServerIdentity, user: UserRow): Promise<PublicUser> {
      if (!user.is_activated) throw new AppError('user.not_activated')
      const signedIn = await users.recordSignIn(deps.sql, user.id, deps.clock())
      // Deleted between the check and now: those credentials are no longer anyone's.
      if (!signedIn) throw invalidCredentials()
      return toPublicUser(server.name, signedIn)
    },

    /** Only the user itself may change its password: another user's credentials answer 401. */
    async changePassword(server: ServerIdentity, user: UserRow, email: string, password: string): Promise<void> {
      if (user.email.toLowerCase() !== email.toLowerCase()) {
        const named = isEmail(email) ? await users.findByEmail(deps.sql, server.id, email) : undefined
        throw named ? invalidCredentials() : new AppError('user.not_found')
      }
      // Hashed before the transaction opens: argon2id takes far longer than the statements.
      const passwordHash = await deps.passwords.hash(password)
      await transaction(deps.sql, async (tx) => {
        await replacePassword(tx, server.id, user, passwordHash)
        await announcePasswordChange(tx, server, user.email)
      })
    },
  }
}

export type AccountsService = ReturnType<typeof createAccountsService>
