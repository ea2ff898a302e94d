import { Elysia } from 'elysia'
import type { Deps } from './deps'
import { docsRoutes } from './http/docs.routes'
import { healthRoutes } from './http/health.routes'
import { problemHandler } from './http/problem-handler'
import { requestLog } from './http/request-log'
import { activationRoutes } from './modules/activation/activation.routes'
import { createActivationService } from './modules/activation/activation.service'
import { apiKeyPlugin } from './modules/servers/api-key.plugin'
import { createServerLookup } from './modules/servers/server-lookup'
import { usersRoutes } from './modules/users/users.routes'

/**
 * Bun refuses larger bodies outright, with a bare 413. Up to this, the JSON parser
 * answers 413 as problem+json, reading no more than its own 16 KiB limit.
 */
const HARD_BODY_LIMIT = 64 * 1024 * 1024

export function createApp(deps: Deps) {
  const activation = createActivationService(deps)
  const apiKey = apiKeyPlugin(createServerLookup(deps))

  // normalize: false makes unknown fields a 422 instead of being silently dropped.
  return new Elysia({ normalize: false, serve: { maxRequestBodySize: HARD_BODY_LIMIT } })
    .use(requestLog(deps.log))
    .use(problemHandler(deps.log))
    .use(docsRoutes(deps.config.publicUrl))
    .use(healthRoutes(deps))
    .use(usersRoutes(deps, activation, apiKey))
    .use(activationRoutes(deps, activation, apiKey))
}

export type App = ReturnType<typeof createApp>
