import { Elysia } from 'elysia'
import type { Config } from '../config'
import type { ApiKeyGate } from '../modules/servers/api-key.plugin'
import type { RateLimiter, RatePolicy } from './rate-limiter'

/**
 * `serverLimit: 'registrations'` on a route takes one request from the calling
 * server's bucket, after the API key and before the body (429 with Retry-After).
 */
export function serverLimitsPlugin(config: Config, keys: ApiKeyGate, take: RateLimiter) {
  const policies = {
    registrations: { name: 'registrations', perMinute: config.registrationsPerMinute, problem: 'limit.registrations' },
  } satisfies Record<string, RatePolicy>

  return new Elysia({ name: 'server-limits' }).macro({
    serverLimit: (name: keyof typeof policies) => ({
      async transform({ request, set }) {
        const caller = await keys.callerOf(request)
        Object.assign(set.headers, await take(policies[name], caller.id))
      },
    }),
  })
}

export type ServerLimitsPlugin = ReturnType<typeof serverLimitsPlugin>
