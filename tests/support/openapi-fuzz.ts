import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import { generateSync } from 'json-schema-faker'
import { basicHeader } from './http'

/**
 * Requests generated from the OpenAPI document, as outside fuzzers build them, and
 * the checks every answer must pass. fast-check draws every choice from one seed
 * (so a failure replays), json-schema-faker makes bodies and parameters that fit
 * the document's schemas, Ajv checks answers against the documented ones.
 */

type Schema = Record<string, unknown>
interface Media {
  schema?: Schema
}
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: Schema
}
export interface Operation {
  security?: Record<string, string[]>[]
  parameters?: Parameter[]
  requestBody?: { content: Record<string, Media> }
  responses: Record<string, { content?: Record<string, Media>; headers?: Record<string, { required?: boolean }> }>
}
export interface Document {
  paths: Record<string, Record<string, Operation>>
}

/** What a case needs from the world: real credentials and real path values, so valid requests reach the logic. */
export interface Fixture {
  apiKey: string
  credentials: { email: string; password: string }
  /** Known-good values of path parameters by name (e.g. the user's email, a live link token). */
  pathValues: Record<string, string[]>
  /** Known-good values of body fields by name (e.g. the emailed code), put in some valid bodies. */
  fieldValues: Record<string, unknown[]>
}

export type AuthVariant = 'valid' | 'missing' | 'wrong' | 'malformed'

export interface FuzzCase {
  operation: string
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array
  /** Per security scheme, what was sent. */
  auth: Record<string, AuthVariant>
  /** The documented parameters sent, as they were sent (path values URL-encoded). */
  parameters: { in: Parameter['in']; name: string; value: string }[]
  /** What was done to make it odd, for the failure report. */
  notes: string[]
}

// Strings a careful fuzzer tries: NUL, astral characters, a lone surrogate (JSON can carry one),
// right-to-left and zero-width marks, combining accents.
const ODD_TEXT = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    'a\uD800b',
    '😀👩‍👩‍👧',
    '\u202Eevil',
    'e\u0301\u0301\u0301',
    '\uFEFF',
    ' ',
    '%',
    '\\',
    '"',
  ),
)
const ANY_JSON = fc.constantFrom<unknown>(0, -1, 1.5, 1e308, true, null, '', [], {}, [null], { a: 1 }, 'x'.repeat(300))
const HUGE = fc.constantFrom(300, 5_000, 20_000, 70_000)

/**
 * A rule the contract states in words and JSON Schema cannot (the field's description
 * says it): a birth date is a real day, not in the future. Ajv holds answers and
 * requests to it; json-schema-faker makes valid dates that keep it.
 */
const isPastDate = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) &&
  new Date(`${value}T00:00:00Z`).toISOString().startsWith(value) &&
  value <= new Date().toISOString().slice(0, 10)
const FAKE_FORMATS = {
  date: (random: { int(min: number, max: number): number }) =>
    new Date(Date.UTC(random.int(1900, 2020), random.int(0, 11), random.int(1, 28))).toISOString().slice(0, 10),
}

// Formats Ajv does not know (Elysia's "numeric"...) only annotate, as JSON Schema says.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger: false })
addFormats(ajv)
ajv.addFormat('date', isPastDate)
/**
 * The schema with every object closed to members it does not name: an answer may
 * hold nothing undocumented (a leaked hash, a field added without its docs).
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed)
  if (typeof schema !== 'object' || schema === null) return schema
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]))
  if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false
  return copy
}

const validators = new WeakMap<object, ValidateFunction>()
function validator(schema: Schema): ValidateFunction {
  const known = validators.get(schema)
  if (known) return known
  const validate = ajv.compile(closed(schema) as Schema)
  validators.set(schema, validate)
  return validate
}

export const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  )

const fake = (schema: Schema | undefined, seed: number): unknown =>
  generateSync(schema ?? {}, { seed, formats: FAKE_FORMATS })

/** The properties of an object body's schema, to mutate one of them. */
const fieldsOf = (schema: Schema | undefined) => Object.keys((schema?.properties as Schema | undefined) ?? {})

/** A JSON body that fits the schema, with the fixture's known values (the emailed code...) in the fields that take them. */
function knownBodyArbitrary(schema: Schema | undefined, fixture: Fixture) {
  const fields = fieldsOf(schema)
  return fc.tuple(fc.integer(), fc.nat()).map(([seed, i]) => {
    const known = Object.fromEntries(
      Object.entries(fixture.fieldValues)
        .filter(([field]) => fields.includes(field))
        .map(([field, values]) => [field, values[i % values.length]]),
    )
    const value = { ...(fake(schema, seed) as object), ...known }
    return { text: JSON.stringify(value), note: `valid body, known ${Object.keys(known)}`, type: 'application/json' }
  })
}

/** The string branch of a property's schema, if it takes strings. */
function stringSchema(schema: Schema | undefined): Schema | undefined {
  if (schema?.type === 'string') return schema
  return (schema?.anyOf as Schema[] | undefined)?.find((branch) => branch.type === 'string')
}

/**
 * A valid body whose free-text fields hold any Unicode (astral characters, marks...)
 * of the lengths the schema allows, counted in characters as JSON Schema counts them.
 */
function unicodeBodyArbitrary(schema: Schema | undefined) {
  const properties = Object.entries((schema?.properties as Record<string, Schema> | undefined) ?? {})
  const texts = fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 130, size: 'max' }), {
    minLength: properties.length,
    maxLength: properties.length,
  })
  return fc.tuple(fc.integer(), texts).map(([seed, strings]) => {
    const value = (fake(schema, seed) ?? {}) as Record<string, unknown>
    for (const [i, [name, property]] of properties.entries()) {
      const text = stringSchema(property)
      if (!text || text.format) continue
      const chars = [...(strings[i] ?? '')].slice(0, (text.maxLength as number | undefined) ?? 130)
      while (chars.length < ((text.minLength as number | undefined) ?? 0)) chars.push('😀')
      if (validator(property)(chars.join(''))) value[name] = chars.join('')
    }
    return { text: JSON.stringify(value), note: 'valid body, any Unicode', type: 'application/json' }
  })
}

/** A JSON body: valid per the schema, or broken in one way a client breaks them. */
function jsonBodyArbitrary(schema: Schema | undefined, fixture: Fixture) {
  const pick = (fields: string[], index: number) => fields[index % Math.max(fields.length, 1)] ?? 'field'
  const fields = fieldsOf(schema)
  const valid = (seed: number) => (fake(schema, seed) ?? {}) as Record<string, unknown>
  const json = (value: unknown, note: string) => ({ text: JSON.stringify(value), note, type: 'application/json' })
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer().map((seed) => json(valid(seed), 'valid body')) },
    { weight: 2, arbitrary: knownBodyArbitrary(schema, fixture) },
    { weight: 2, arbitrary: unicodeBodyArbitrary(schema) },
    fc
      .tuple(fc.integer(), fc.nat(), ANY_JSON)
      .map(([seed, i, value]) => json({ ...valid(seed), [pick(fields, i)]: value }, `${pick(fields, i)}: other type`)),
    fc.tuple(fc.integer(), fc.nat()).map(([seed, i]) => {
      const { [pick(fields, i)]: _, ...rest } = valid(seed)
      return json(rest, `without ${pick(fields, i)}`)
    }),
    fc
      .tuple(fc.integer(), fc.string({ minLength: 1, maxLength: 12 }), ANY_JSON)
      .map(([seed, name, value]) => json({ [name]: value, ...valid(seed) }, `extra field ${JSON.stringify(name)}`)),
    fc
      .tuple(fc.integer(), fc.nat(), HUGE)
      .map(([seed, i, size]) => json({ ...valid(seed), [pick(fields, i)]: 'é'.repeat(size) }, `huge ${size}`)),
    fc
      .tuple(fc.integer(), fc.nat(), ODD_TEXT)
      .map(([seed, i, text]) => json({ ...valid(seed), [pick(fields, i)]: text }, `odd text in ${pick(fields, i)}`)),
    ANY_JSON.map((value) => json(value, 'not an object')),
    fc
      .constantFrom('{', '{"email":', '{"a":1,}', "{'a':1}", 'nul', '\u0000', '', '{}{}', '[1,2')
      .map((text) => ({ text, note: `malformed JSON ${JSON.stringify(text)}`, type: 'application/json' })),
    fc.integer({ min: 100, max: 8_000 }).map((depth) => ({
      text: `${'['.repeat(depth)}${']'.repeat(depth)}`,
      note: `nested ${depth} deep`,
      type: 'application/json',
    })),
    fc.constant({
      text: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      note: 'not UTF-8',
      type: 'application/json',
    }),
    fc
      .tuple(
        fc.integer(),
        fc.constantFrom(
          undefined,
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
          'APPLICATION/JSON; charset=utf-8',
          'application/merge-patch+json',
          'application/jsonx',
          'json',
        ),
      )
      // As bytes, so that fetch adds no content-type of its own when there is none.
      .map(([seed, type]) => ({
        text: new TextEncoder().encode(JSON.stringify(valid(seed))),
        note: `content-type ${type}`,
        type,
      })),
  )
}

/** A path segment: a known value, a value fitting the schema, or an odd one, already URL-encoded. */
function pathValueArbitrary(parameter: Parameter, fixture: Fixture) {
  const known = fixture.pathValues[parameter.name] ?? []
  const encode = (value: string) => encodeURIComponent(value)
  // An empty segment is another route (GET /users/{email} would become GET /users/).
  const segment = fc.oneof(
    { weight: 4, arbitrary: known.length ? fc.constantFrom(...known.map(encode)) : fc.constant('x') },
    fc.constantFrom(...known.map((value) => encode(value.toUpperCase())), 'x'),
    fc.integer().map((seed) => encode(String(fake(parameter.schema, seed)))),
    // A URL cannot carry a lone surrogate.
    ODD_TEXT.filter((text) => text.isWellFormed()).map(encode),
    fc.constantFrom('%FF', '%FF%FE', '%C0%AF', '%00', '%', '%G1', '%2F', 'a%2Fb', '%20', '~', '@', '%E2%80%AE'),
    fc.constantFrom(300, 1_000, 6_000).map((size) => `${'a'.repeat(size)}%40example.com`),
  )
  return segment.map((value) => value || 'x')
}

function headerValueArbitrary(parameter: Parameter) {
  return fc.oneof(
    fc.integer().map((seed) => String(fake(parameter.schema, seed))),
    fc.constantFrom('', ' ', 'x'.repeat(300), '\u00ff\u00fe', 'a\tb'),
  )
}

function queryArbitrary(parameters: Parameter[]) {
  const query = parameters.filter((parameter) => parameter.in === 'query')
  const value = (parameter: Parameter) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.integer().map((seed) => String(fake(parameter.schema, seed))) },
      ODD_TEXT,
      fc.constantFrom('-1', '0', '1e9', 'true', '[]', 'x'.repeat(2_000)),
    )
  return fc.tuple(
    fc.tuple(
      ...query.map((parameter) => fc.option(value(parameter).map((v): [string, string] => [parameter.name, v]))),
    ),
    fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), ODD_TEXT)),
  )
}

const AUTH_VARIANTS: readonly AuthVariant[] = ['valid', 'valid', 'valid', 'missing', 'wrong', 'malformed']

function authHeaders(scheme: string, variant: AuthVariant, fixture: Fixture, odd: number): Record<string, string> {
  if (variant === 'missing') return {}
  if (scheme === 'apiKey') {
    const values = { valid: fixture.apiKey, wrong: `${fixture.apiKey.slice(0, -2)}xx`, malformed: '' }
    const malformed = ['', ' ', 'k'.repeat(8_000), '\u00ff\u00fe', fixture.apiKey.toUpperCase()]
    return { 'x-api-key': variant === 'malformed' ? (malformed[odd % malformed.length] as string) : values[variant] }
  }
  const { email, password } = fixture.credentials
  // None of these can be read as email:password.
  const malformed = [
    'Basic',
    'Basic !!!',
    'Bearer abc',
    `Basic ${btoa('no-colon')}`,
    `Basic ${btoa(`:${password}`)}`,
    `Basic ${Buffer.from([0xff, 0x3a, 0x61]).toString('base64')}`,
  ]
  if (variant === 'malformed') return { authorization: malformed[odd % malformed.length] as string }
  if (variant === 'valid') return { authorization: basicHeader(email, password) }
  const unknown = `${'a'.repeat(odd % 2 ? 6_000 : 10)}@example.com`
  return { authorization: odd % 3 ? basicHeader(email, `${password}!`) : basicHeader(unknown, password) }
}

/** `count` cases for one operation, all drawn from `seed`. */
export function generateCases(
  entry: { path: string; method: string; operation: Operation },
  fixture: Fixture,
  seed: number,
  count: number,
): FuzzCase[] {
  const { path, method, operation } = entry
  const parameters = operation.parameters ?? []
  const schemes = Object.keys(operation.security?.find((requirement) => Object.keys(requirement).length) ?? {})
  const bodySchema = operation.requestBody?.content['application/json']?.schema
  const pathParameters = parameters.filter((p) => p.in === 'path')
  const knownSegment = (p: Parameter) => encodeURIComponent(fixture.pathValues[p.name]?.[0] ?? 'x')
  // The first case is a plain valid request with the fixture's values, so every operation is reached past its checks.
  const valid = fc.record({
    auth: fc.constant(schemes.map((): AuthVariant => 'valid')),
    odd: fc.constant(0),
    segments: fc.constant(pathParameters.map((p) => [p.name, knownSegment(p)])),
    headers: fc.constant([] as ([Parameter, string] | null)[]),
    query: fc.constant<[([string, string] | null)[], [string, string] | null]>([[], null]),
    body: operation.requestBody ? knownBodyArbitrary(bodySchema, fixture) : fc.constant(undefined),
    accept: fc.constant(undefined),
    trailingSlash: fc.constant(false),
  })
  const fuzzed = fc.record({
    auth: fc.tuple(...schemes.map(() => fc.constantFrom(...AUTH_VARIANTS))),
    odd: fc.nat(),
    segments: fc.tuple(...pathParameters.map((p) => pathValueArbitrary(p, fixture).map((v) => [p.name, v]))),
    headers: fc.tuple(
      ...parameters
        .filter((p) => p.in === 'header')
        .map((p) => fc.option(headerValueArbitrary(p).map((v): [Parameter, string] => [p, v]))),
    ),
    query: queryArbitrary(parameters),
    body: operation.requestBody ? jsonBodyArbitrary(bodySchema, fixture) : fc.constant(undefined),
    accept: fc.constantFrom(undefined, 'application/json', 'text/html', '*/*', 'text/html;q=0.5, application/json'),
    trailingSlash: fc.boolean(),
  })
  const draws = [...fc.sample(valid, { seed, numRuns: 1 }), ...fc.sample(fuzzed, { seed, numRuns: count - 1 })]
  return draws.map((draw): FuzzCase => {
    const auth = Object.fromEntries(schemes.map((scheme, i) => [scheme, draw.auth[i] as AuthVariant]))
    const headers: Record<string, string> = {}
    for (const [scheme, variant] of Object.entries(auth))
      Object.assign(headers, authHeaders(scheme, variant, fixture, draw.odd))
    for (const header of draw.headers) if (header) headers[header[0].name] = header[1]
    if (draw.accept) headers.accept = draw.accept
    if (draw.body?.type) headers['content-type'] = draw.body.type
    let url = path.replace(/\{(\w+)\}/g, (_, name: string) => draw.segments.find(([n]) => n === name)?.[1] ?? 'x')
    if (draw.trailingSlash !== url.endsWith('/')) url = draw.trailingSlash ? `${url}/` : url.replace(/\/$/, '') || '/'
    const [known, extra] = draw.query
    const search = new URLSearchParams([...known.filter((pair) => pair !== null), ...(extra ? [extra] : [])])
    if (search.size) url += `?${search}`
    const notes = [draw.body?.note, ...Object.entries(auth).map(([scheme, variant]) => `${scheme} ${variant}`)]
    const sent = [
      ...draw.segments.map(([name, value]) => ({ in: 'path' as const, name: name as string, value: value as string })),
      ...known.filter((pair) => pair !== null).map(([name, value]) => ({ in: 'query' as const, name, value })),
      ...draw.headers
        .filter((pair) => pair !== null)
        .map(([p, value]) => ({ in: 'header' as const, name: p.name, value })),
    ]
    return {
      operation: `${method} ${path}`,
      method,
      path: url,
      headers,
      body: draw.body?.text,
      auth,
      parameters: sent,
      notes: notes.filter((note): note is string => Boolean(note)),
    }
  })
}

export interface Answer {
  status: number
  headers: Headers
  text: string
}

/** Everything wrong with this answer to an operation, by the document and the contract; empty when none. */
export function checkAnswer(operation: Operation, answer: Answer): string[] {
  const { status, headers, text } = answer
  if (status >= 500) return [`${status} answered: a 5xx`]
  const documented = operation.responses[String(status)]
  if (!documented) return [`${status} is not documented for this operation`]
  const problems = Object.entries(documented.headers ?? {})
    .filter(([name, header]) => header.required && !headers.has(name))
    .map(([name]) => `${status} without its required ${name} header`)
  const media = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (!documented.content) return text ? [...problems, `${status} has a body but the document says none`] : problems
  const content = documented.content[media]
  if (!content)
    return [...problems, `${status} answered as "${media}", not documented (${Object.keys(documented.content)})`]
  if (status >= 400 && media !== 'application/problem+json' && media !== 'text/html')
    problems.push(`${status} is not application/problem+json`)
  if (media === 'text/html') {
    if (!text.startsWith('<!DOCTYPE html>')) problems.push('text/html that is not an HTML page')
  } else if (/[/+]json$/.test(media)) {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return [...problems, `${status} ${media} body is not JSON: ${text.slice(0, 80)}`]
    }
    const validate = validator(content.schema ?? {})
    if (!validate(body)) problems.push(`body does not match the documented schema: ${ajv.errorsText(validate.errors)}`)
    if (media === 'application/problem+json' && (body as { status?: unknown }).status !== status)
      problems.push('problem "status" differs from the HTTP status')
  }
  return problems
}

const PROBLEM_TYPE = 'urn:registration-api:problem:'

/** A parameter's text as the JSON value its schema describes ("12" for an integer is 12). */
function coerce(text: string, schema: Schema | undefined): unknown {
  const types = [schema?.type, ...((schema?.anyOf as Schema[] | undefined) ?? []).map((branch) => branch.type)]
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

/** Whether every documented parameter sent fits its schema, and none required is missing. */
function parametersFit(operation: Operation, fuzzCase: FuzzCase): boolean {
  return (operation.parameters ?? []).every((parameter) => {
    const sent = fuzzCase.parameters.find((p) => p.in === parameter.in && p.name === parameter.name)
    if (!sent) return !parameter.required
    let text = sent.value
    try {
      if (parameter.in === 'path') text = decodeURIComponent(text)
    } catch {
      return false
    }
    return validator(parameter.schema ?? {})(coerce(text, parameter.schema))
  })
}

function parseJson(body: FuzzCase['body']): { value: unknown } | undefined {
  if (body === undefined) return undefined
  try {
    const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body)
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/**
 * What the document promises about the request: a request that fits it (credentials
 * valid, JSON body valid per its schema) is not refused as invalid input; a JSON body
 * that breaks its schema is not accepted; and what a 2xx echoes is what was sent.
 */
export function checkAcceptance(operation: Operation, fuzzCase: FuzzCase, answer: Answer): string[] {
  const schema = operation.requestBody?.content['application/json']?.schema
  const sent = parseJson(fuzzCase.body)
  const authenticated = Object.values(fuzzCase.auth).every((variant) => variant === 'valid')
  const asJson = /^application\/json\s*(;|$)/i.test(fuzzCase.headers['content-type'] ?? '')
  const bodyFits = schema ? sent !== undefined && asJson && validator(schema)(sent.value) : fuzzCase.body === undefined
  const fitsSchema = bodyFits && parametersFit(operation, fuzzCase)
  const problems: string[] = []
  let answered: unknown
  try {
    answered = JSON.parse(answer.text)
  } catch {}
  const problemType = (answered as { type?: unknown } | undefined)?.type
  if (
    authenticated &&
    fitsSchema &&
    typeof problemType === 'string' &&
    problemType.startsWith(`${PROBLEM_TYPE}request.`)
  )
    problems.push(`a request that fits the document was refused as ${problemType.slice(PROBLEM_TYPE.length)}`)
  if (schema && sent !== undefined && !validator(schema)(sent.value) && answer.status < 300)
    problems.push(
      `a body that breaks the schema was accepted (${answer.status}): ${ajv.errorsText(validator(schema).errors)}`,
    )
  if (answer.status < 300 && isObject(sent?.value) && isObject(answered))
    for (const [field, value] of Object.entries(sent.value))
      if (typeof value === 'string' && typeof answered[field] === 'string' && answered[field] !== value)
        problems.push(
          `${field} was sent as ${JSON.stringify(value)} and answered as ${JSON.stringify(answered[field])}`,
        )
  return problems
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
