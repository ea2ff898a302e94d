import type { TSchema } from 'elysia'
import type { OpenAPIV3 } from 'openapi-types'
import { BASIC_REALM, PROBLEMS, type ProblemCode, problemType } from '../errors'
import { Problem } from './problem.model'

type Header = OpenAPIV3.HeaderObject
type Responses = OpenAPIV3.ResponsesObject
// TypeBox schemas are JSON Schema objects; OpenAPI 3.1 reads them as they are
// (docs.routes.ts strips the keywords only TypeBox knows).
const asSchema = (schema: TSchema) => schema as OpenAPIV3.SchemaObject

/** Members some problems add, shown in their examples. */
const EXAMPLE_EXTRAS: Partial<Record<ProblemCode, Record<string, unknown>>> = {
  'request.invalid_fields': { errors: [{ field: 'password', message: 'must be 8 to 128 characters' }] },
  'activation.wrong_code': { attempts_left: 4 },
  'password_reset.wrong_code': { attempts_left: 4 },
  'request.invalid_query': { errors: [{ field: 'limit', message: 'must be a whole number from 1 to 200' }] },
  'user.unknown_cursor': { errors: [{ field: 'after', message: 'must be the "next" cursor of a previous page' }] },
}

/** The IETF RateLimit fields that limited routes answer with, refused or not. */
export const RATE_LIMIT_FIELDS: Record<string, Header> = {
  'RateLimit-Policy': {
    description: 'The limit, as an IETF RateLimit-Policy field: `"name";q=quota;w=window seconds`',
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'What is left of it, as an IETF RateLimit field: `"name";r=remaining;t=seconds until whole again`',
    schema: { type: 'string' },
  },
}

const RATE_LIMIT_HEADERS: Record<string, Header> = {
  'Retry-After': { description: 'Seconds to wait before trying again', required: true, schema: { type: 'integer' } },
  ...RATE_LIMIT_FIELDS,
}

const PROBLEM_HEADERS: Partial<Record<ProblemCode, Record<string, Header>>> = {
  'auth.locked': RATE_LIMIT_HEADERS,
  'limit.registrations': RATE_LIMIT_HEADERS,
  'limit.unknown_links': RATE_LIMIT_HEADERS,
  'auth.invalid_credentials': {
    'WWW-Authenticate': {
      description: `Basic realm="${BASIC_REALM}": a browser asks for email and password`,
      schema: { type: 'string' },
    },
  },
  'activation.resend_too_soon': {
    'Retry-After': { description: 'Seconds until a resend is allowed', required: true, schema: { type: 'integer' } },
  },
  'service.unavailable': {
    'Retry-After': { description: 'Seconds after which to try again', required: true, schema: { type: 'integer' } },
  },
  'idempotency.in_flight': {
    'Retry-After': {
      // Not required: other 409s of the same operation (already registered) carry none.
      description: 'With idempotency.in_flight: seconds after which to retry, once the first request may have answered',
      schema: { type: 'integer' },
    },
  },
  'mail.cap_reached': {
    'Retry-After': { description: 'Seconds until the address may get another email', schema: { type: 'integer' } },
  },
}

/** An OpenAPI success response with a JSON body; `example` replaces the one its schema's fields make up. */
export function success(
  status: number,
  description: string,
  schema: TSchema,
  headers?: Record<string, Header>,
  example?: unknown,
): Responses {
  return { [status]: { description, headers, content: { 'application/json': { schema: asSchema(schema), example } } } }
}

/** OpenAPI error responses for these codes: problem+json, one named example per code, grouped by status. */
export function problems(...codes: ProblemCode[]): Responses {
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code])
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      {
        description: group.map((code) => PROBLEMS[code].title).join(', or '),
        headers: Object.assign({}, ...group.map((code) => PROBLEM_HEADERS[code] ?? {})),
        content: {
          'application/problem+json': {
            schema: asSchema(Problem),
            examples: Object.fromEntries(
              group.map((code) => {
                const { title, detail } = PROBLEMS[code]
                const value = { type: problemType(code), title, status, detail, ...EXAMPLE_EXTRAS[code] }
                return [code, { summary: title, value }]
              }),
            ),
          },
        },
      },
    ]),
  )
}

const HTML_PAGE: OpenAPIV3.MediaTypeObject = {
  schema: { type: 'string', description: 'A small HTML page saying the same, for a browser' },
}

/**
 * The same responses, each also as a small HTML page for a browser (`Accept: text/html`).
 * The published document extends this to the responses every operation gets (500, 503).
 */
export function withHtmlPages(responses: Responses): Responses {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const { content, ...rest } = response as OpenAPIV3.ResponseObject
      return [status, { ...rest, content: { ...content, 'text/html': HTML_PAGE } }]
    }),
  )
}
