import type { Deps } from '../deps'
import type { PasswordGuard } from '../limits/password-guard'
import type { RateLimiter } from '../limits/rate-limiter'
import { serverLimitsPlugin } from '../limits/server-limits.plugin'
import { apiKeyGate } from '../modules/servers/api-key.plugin'
import { createServerLookup } from '../modules/servers/server-lookup'
import { userAuthPlugin } from '../modules/users/user-auth.plugin'

/**
 * The route options that guard a route, each a plugin with a macro: `apiKey`,
 * `user` (API key then Basic credentials, with the password lock) and
 * `serverLimit`. Each gate awaits the one it depends on, so the contract's order
 * (key, credentials, limits, then the body) holds whatever order a route lists them in.
 */
export function createAccess(deps: Deps, guard: PasswordGuard, take: RateLimiter) {
  const keys = apiKeyGate(createServerLookup(deps))
  return {
    apiKey: keys.plugin,
    user: userAuthPlugin(deps, keys, guard),
    serverLimits: serverLimitsPlugin(deps.config, keys, take),
  }
}

export type Access = ReturnType<typeof createAccess>
