import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { invalidCredentials } from '../../errors'
import { parseBasic } from '../../http/basic-auth'
import { perRequest } from '../../http/per-request'
import type { PasswordGuard } from '../../limits/password-guard'
import type { ApiKeyGate } from '../servers/api-key.plugin'
import { isEmail } from './users.model'
import { createUsersRepository } from './users.repository'

/**
 * `user: true` on a route resolves `caller` (the server, by its API key) and
 * `user`, whose email and password came as HTTP Basic credentials. In the
 * contract's order, before the body is read: API key (401), credentials present
 * (401), the password-guessing lock (429, before any hash), the password (401: an
 * unknown email costs the same as a wrong password). For every route that checks
 * a user's password.
 */
export function userAuthPlugin(deps: Pick<Deps, 'sql' | 'statements'>, keys: ApiKeyGate, guard: PasswordGuard) {
  const users = createUsersRepository(deps.statements)

  const authenticate = perRequest(async (request) => {
    const caller = await keys.callerOf(request)
    const credentials = parseBasic(request.headers.get('authorization'))
    if (!credentials) throw invalidCredentials()
    const { account, headers } = await guard.check(caller.id, credentials, async () =>
      isEmail(credentials.email) ? users.findByEmail(deps.sql, caller.id, credentials.email) : undefined,
    )
    if (!account) throw invalidCredentials(headers)
    return { caller, user: account, headers }
  })

  return new Elysia({ name: 'user-auth' }).macro({
    user: {
      async transform({ request, set }) {
        Object.assign(set.headers, (await authenticate(request)).headers)
      },
      async resolve({ request }) {
        const { caller, user } = await authenticate(request)
        return { caller, user }
      },
    },
  })
}

export type UserAuthPlugin = ReturnType<typeof userAuthPlugin>
