import { Elysia } from 'elysia'
import { AppError } from '../../errors'
import type { ServerLookup } from './server-lookup'
import type { ServerIdentity } from './servers.repository'

/**
 * `apiKey: true` on a route resolves `caller`, the server whose `X-API-Key` was
 * sent, or answers 401 for a missing, unknown or deleted key. (Not named
 * `server`: Elysia's context already holds the Bun server under that name.)
 */
export function apiKeyPlugin(lookup: ServerLookup) {
  return new Elysia({ name: 'api-key' }).macro({
    apiKey: {
      async resolve({ headers }): Promise<{ caller: ServerIdentity }> {
        const key = headers['x-api-key']
        const server = key ? await lookup(key) : undefined
        if (!server) throw new AppError('auth.invalid_api_key')
        return { caller: server }
      },
    },
  })
}

export type ApiKeyPlugin = ReturnType<typeof apiKeyPlugin>
