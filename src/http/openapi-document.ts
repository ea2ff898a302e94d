import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types'
import { problems, withHtmlPages } from './openapi'

type Document = OpenAPIV3_1.Document
type Json = Record<string, unknown>
type Content = Record<string, { schema?: unknown }>
interface Response {
  content?: Content
  headers?: Record<string, { schema?: unknown }>
}
/** What this step reads of an operation; the swagger plugin writes no $ref, so none is followed. */
interface Operation {
  security?: Record<string, string[]>[]
  parameters?: { schema?: unknown }[]
  requestBody?: { content?: Content }
  responses: Record<string, Response>
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** TypeBox keywords that only its validator reads (`error`: our field messages); no JSON Schema dialect knows them. */
const PRIVATE_KEYWORDS = ['error'] as const

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'] as const
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'] as const

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A copy of a schema without private keywords, walked by keyword so that a property named `error` stays. */
export function publicSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema
  const copy: Json = { ...schema }
  for (const keyword of PRIVATE_KEYWORDS) delete copy[keyword]
  for (const keyword of SUBSCHEMA) if (keyword in copy) copy[keyword] = publicSchema(copy[keyword])
  for (const keyword of SUBSCHEMA_LISTS) {
    const list = copy[keyword]
    if (Array.isArray(list)) copy[keyword] = list.map(publicSchema)
  }
  for (const keyword of SUBSCHEMA_MAPS) {
    const map = copy[keyword]
    if (isObject(map)) copy[keyword] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, publicSchema(v)]))
  }
  return copy
}

function cleanContent(content: Content | undefined): void {
  for (const media of Object.values(content ?? {})) media.schema = publicSchema(media.schema)
}

/** Authentication is checked against the database, so an operation that has any can answer 503 when it is down. */
const needsDatabase = (operation: Operation) =>
  (operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0) || '503' in operation.responses

/** Any operation may fail on our side (500); one that needs the database answers 503 while it is down. */
function addServiceProblems(operation: Operation): void {
  const central = needsDatabase(operation)
    ? problems('service.internal', 'service.unavailable')
    : problems('service.internal')
  for (const [status, response] of Object.entries(central)) operation.responses[status] ??= response as Response
}

/** An operation that answers a browser with HTML pages does so for every status, the central ones included. */
function offerHtmlEverywhere(operation: Operation): void {
  if (Object.values(operation.responses).some((response) => response.content?.['text/html']))
    operation.responses = withHtmlPages(operation.responses as OpenAPIV3.ResponsesObject) as Operation['responses']
}

/**
 * The document as published at /docs/json, from the one the swagger plugin builds:
 * rules that hold for every operation live here, so a new route is documented
 * completely by declaring only what is particular to it.
 */
export function publishDocument(generated: Document): Document {
  const document = structuredClone(generated)
  for (const item of Object.values(document.paths ?? {}) as Partial<Record<string, Operation>>[]) {
    for (const method of METHODS) {
      const operation = item[method]
      if (!operation) continue
      operation.responses ??= {}
      addServiceProblems(operation)
      offerHtmlEverywhere(operation)
      for (const parameter of operation.parameters ?? []) parameter.schema = publicSchema(parameter.schema)
      cleanContent(operation.requestBody?.content)
      for (const response of Object.values(operation.responses)) {
        cleanContent(response.content)
        for (const header of Object.values(response.headers ?? {})) header.schema = publicSchema(header.schema)
      }
    }
  }
  const schemas = document.components?.schemas
  if (schemas) for (const name of Object.keys(schemas)) schemas[name] = publicSchema(schemas[name]) as Json
  return document
}
