import { ValueErrorType } from '@sinclair/typebox/errors'
import { Elysia, ValidationError } from 'elysia'
import { isDatabaseUnavailable } from '../db/pg-errors'
import { AppError, type FieldError, invalidFields, invalidQuery, problemResponse } from '../errors'
import type { Logger } from '../log'
import { allowedMethods } from './allowed-methods'
import { RejectedBody } from './json-body'

type ValueError = ValidationError['all'][number]

function fieldMessage(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return 'is not a known field'
  if (error.value === undefined) return 'is required'
  if (error.path === '') return 'the body must be a JSON object'
  const custom = (error.schema as { error?: unknown }).error
  return typeof custom === 'string' ? custom : error.message
}

/** One entry per field, named as the client spelled it (nested paths with dots). */
export function fieldErrors(error: ValidationError): FieldError[] {
  const byField = new Map<string, string>()
  for (const valueError of error.all) {
    const field = valueError.path.replace(/^\//, '').replaceAll('/', '.') || 'body'
    if (!byField.has(field)) byField.set(field, fieldMessage(valueError))
  }
  return [...byField].map(([field, message]) => ({ field, message }))
}

/**
 * The one place where errors become HTTP answers: domain errors by their code,
 * Elysia's own by kind, anything else a logged 500 that reveals nothing.
 * A wrong method on a known path answers 405, an unknown path 404.
 */
export function problemHandler(log: Logger) {
  function toAppError(code: string | number, error: unknown, request: Request): AppError {
    if (error instanceof AppError) return error
    // A body refused as it was read (413, 415, 400) is said only now, once authentication has passed.
    if (error instanceof ValidationError && error.value instanceof RejectedBody) return error.value.error
    if (error instanceof ValidationError && error.type === 'query') return invalidQuery(fieldErrors(error))
    if (error instanceof ValidationError && error.type !== 'response') return invalidFields(fieldErrors(error))
    if (code === 'PARSE') return new AppError('request.invalid_json')
    if (code === 'NOT_FOUND') {
      const allow = allowedMethods(globalRoutes(), new URL(request.url).pathname)
      if (allow.length) return new AppError('route.method_not_allowed', { headers: { allow: allow.join(', ') } })
      return new AppError('route.not_found')
    }
    // Logged once per outage by the database guard, not once per request.
    if (isDatabaseUnavailable(error)) return new AppError('service.unavailable')
    log.error('unhandled error', {
      method: request.method,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    })
    return new AppError('service.internal')
  }

  const plugin = new Elysia({ name: 'problem-handler' })
  // Once used, a plugin's getGlobalRoutes() lists the whole app's routes: the swagger plugin reads them so too.
  const globalRoutes = () =>
    (plugin as unknown as { getGlobalRoutes(): { method: string; path: string }[] }).getGlobalRoutes()
  return plugin.onError({ as: 'global' }, ({ code, error, request, set }) => {
    const problem = toAppError(code, error, request)
    // Recorded for the request log, which sees set.status, not the Response returned here.
    set.status = problem.status
    return problemResponse(problem)
  })
}
