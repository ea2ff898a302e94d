import { Elysia } from 'elysia'
import type { Sql } from '../../db/client'
import type { Statements } from '../../db/statements'
import { AppError } from '../../errors'
import { sha256 } from '../../secrets'
import { createServersRepository, type ServerIdentity } from './servers.repository'

/**
 * `apiKey: true` on a route resolves `caller`, the server whose `X-API-Key` was
 * sent, or answers 401 for a missing, unknown or deleted key. (Not named
 * `server`: Elysia's context already holds the Bun server under that name.)
 */
export function apiKeyPlugin(deps: { sql: Sql; statements: Statements }) {
  const repo = createServersRepository(deps.statements)

  return new Elysia({ name: 'api-key' }).macro({
    apiKey: {
      async resolve({ headers }): Promise<{ caller: ServerIdentity }> {
        const key = headers['x-api-key']
        const server = key ? await repo.findByKeyHash(deps.sql, sha256(key)) : undefined
        if (!server) throw new AppError('auth.invalid_api_key')
        return { caller: server }
      },
    },
  })
}
