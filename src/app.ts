import { Elysia } from 'elysia'
import { deliveryRoutes } from './delivery/delivery.routes'
import type { Deps } from './deps'
import { createAccess } from './http/access'
import { databaseBudget } from './http/database-budget'
import { docsRoutes } from './http/docs.routes'
import { healthRoutes } from './http/health.routes'
import { readJsonBody } from './http/json-body'
import { httpMetrics } from './http/metrics.routes'
import { problemHandler } from './http/problem-handler'
import { requestLog } from './http/request-log'
import { createPasswordGuard } from './limits/password-guard'
import { createRateLimiter } from './limits/rate-limiter'
import { accountsRoutes } from './modules/accounts/accounts.routes'
import { createAccountsService } from './modules/accounts/accounts.service'
import { activationRoutes } from './modules/activation/activation.routes'
import { createActivationService } from './modules/activation/activation.service'
import { passwordResetRoutes } from './modules/password-reset/password-reset.routes'
import { createPasswordResetService } from './modules/password-reset/password-reset.service'
import { usersRoutes } from './modules/users/users.routes'
import { webhooksRoutes } from './webhooks/webhooks.routes'

/**
 * Bun refuses larger bodies outright, with a bare 413. Up to this, the JSON parser
 * answers 413 as problem+json, reading no more than its own 16 KiB limit.
 */
const HARD_BODY_LIMIT = 64 * 1024 * 1024

/**
 * A path segment that does not decode (`/users/%FF/`) reaches the route as null;
 * as an empty string it names nothing, and the route answers its own 404.
 */
function undecodableParamsNameNothing({ params }: { params: Record<string, string | undefined> }) {
  for (const name in params) params[name] ??= ''
}

export function createApp(deps: Deps) {
  const guard = createPasswordGuard(deps)
  const take = createRateLimiter(deps)
  const access = createAccess(deps, guard, take)
  const activation = createActivationService(deps, { guard, take })
  const passwordReset = createPasswordResetService(deps, guard)

  // normalize: false makes unknown fields a 422 instead of being silently dropped.
  return new Elysia({ normalize: false, serve: { maxRequestBodySize: HARD_BODY_LIMIT } })
    .use(requestLog(deps.log))
    .use(deps.config.metrics.enabled ? httpMetrics(deps.metrics, deps.config.metrics.port === undefined) : new Elysia())
    .use(databaseBudget(deps.config.databaseTimeoutMs))
    .use(problemHandler(deps.log))
    .onParse({ as: 'global' }, readJsonBody)
    .onTransform({ as: 'global' }, undecodableParamsNameNothing)
    .use(docsRoutes(deps.config.publicUrl))
    .use(healthRoutes(deps))
    .use(usersRoutes(deps, activation, access))
    .use(activationRoutes(deps, activation, access))
    .use(deliveryRoutes(deps, access))
    .use(accountsRoutes(createAccountsService(deps, passwordReset), access))
    .use(passwordResetRoutes(deps, passwordReset, access))
    .use(webhooksRoutes(deps, access))
}

export type App = ReturnType<typeof createApp>
