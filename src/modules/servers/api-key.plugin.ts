import { Elysia } from 'elysia'
import { AppError } from '../../errors'
import { perRequest } from '../../http/per-request'
import type { ServerLookup } from './server-lookup'
import type { ServerIdentity } from './servers.repository'

/**
 * `apiKey: true` on a route resolves `caller`, the server whose `X-API-Key` was
 * sent, or answers 401 for a missing, unknown or deleted key. The check runs in
 * the transform step, before the body is validated, so a caller without a valid
 * key learns nothing about its body. (Not named `server`: Elysia's context
 * already holds the Bun server under that name.) `callerOf` lets the other gates
 * (Basic credentials, per-server limits) run after this one.
 */
export function apiKeyGate(lookup: ServerLookup) {
  const callerOf = perRequest(async (request): Promise<ServerIdentity> => {
    const key = request.headers.get('x-api-key')
    const server = key ? await lookup(key) : undefined
    if (!server) throw new AppError('auth.invalid_api_key')
    return server
  })

  const plugin = new Elysia({ name: 'api-key' }).macro({
    apiKey: {
      async transform({ request }) {
        await callerOf(request)
      },
      async resolve({ request }) {
        return { caller: await callerOf(request) }
      },
    },
  })

  return { plugin, callerOf }
}

export type ApiKeyGate = ReturnType<typeof apiKeyGate>
