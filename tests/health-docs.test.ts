import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PUBLIC_URL, startTestApp, type TestApp } from './support/app'
import { CONTRACT_OPERATIONS } from './support/contract'
import { freePort } from './support/database'
import { call } from './support/http'

let app: TestApp

beforeAll(async () => {
  app = await startTestApp()
})
afterAll(() => app.stop())

describe('GET /health', () => {
  test('200 {"status":"ok"} when the database answers', async () => {
    const reply = await call(app.url, 'GET', '/health')
    expect(reply.status).toBe(200)
    expect(reply.body).toEqual({ status: 'ok', mail: 'ok' })
    expect((await call(app.url, 'GET', '/health/')).status).toBe(200)
  })

  test('503 problem+json when the database does not answer', async () => {
    const down = await startTestApp({ databaseUrl: `postgres://nobody:nothing@127.0.0.1:${await freePort()}/none` })
    try {
      const reply = await call(down.url, 'GET', '/health')
      expect(reply.status).toBe(503)
      expect(reply.headers.get('content-type')).toBe('application/problem+json')
    } finally {
      await down.stop()
    }
  })
})

describe('GET /docs', () => {
  test('Swagger UI whose assets are all served by the service', async () => {
    for (const path of ['/docs', '/docs/']) {
      const page = await call(app.url, 'GET', path)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toStartWith('text/html')
      expect(page.text).toContain('SwaggerUIBundle')
      // Nothing is loaded from another host: the page works with no internet access.
      expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//)
      for (const [, asset] of page.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const reply = await fetch(`${app.url}${asset}`)
        expect(reply.status).toBe(200)
        expect((await reply.arrayBuffer()).byteLength).toBeGreaterThan(0)
      }
    }
  })

  test('/docs/json documents every route with schemas and both security schemes', async () => {
    const reply = await call(app.url, 'GET', '/docs/json')
    expect(reply.status).toBe(200)
    const doc = reply.body as {
      openapi: string
      info: { title: string; version: string }
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; requestBody?: unknown; security?: unknown }>
      >
      components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> }
    }
    expect(doc.openapi).toStartWith('3.')
    expect(doc.info.title).toBe('Registration API')
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(operations.sort()).toEqual([...CONTRACT_OPERATIONS].sort())
    expect(doc.paths['/users/']?.post?.requestBody).toBeDefined()
    expect(Object.keys(doc.paths['/users/']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '409', '413', '415', '422']),
    )
    expect(doc.paths['/validation/resend']?.post?.security).toEqual([{ apiKey: [], basicAuth: [] }])
    // Errors are documented as problem+json, with an example per error code.
    const conflict = doc.paths['/users/']?.post?.responses['409'] as {
      content: Record<string, { examples: Record<string, { value: { status: number; type: string } }> }>
    }
    expect(Object.keys(conflict.content)).toEqual(['application/problem+json'])
    expect(conflict.content['application/problem+json']?.examples['user.already_exists']?.value).toMatchObject({
      status: 409,
      type: 'urn:registration-api:problem:user.already_exists',
    })
    const created = doc.paths['/users/']?.post?.responses['201'] as { headers: Record<string, unknown> }
    expect(Object.keys(created.headers)).toContain('Location')
    const unauthorized = doc.paths['/validation/']?.post?.responses['401'] as {
      headers: Record<string, unknown>
      content: Record<string, { examples: Record<string, unknown> }>
    }
    expect(Object.keys(unauthorized.headers)).toContain('WWW-Authenticate')
    expect(Object.keys(unauthorized.content['application/problem+json']?.examples ?? {}).sort()).toEqual([
      'auth.invalid_api_key',
      'auth.invalid_credentials',
    ])
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' })
    expect(doc.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' })
  })

  test('/docs/json is OpenAPI 3.1 with the service as server, and the answers every operation can give', async () => {
    type Response = { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }
    type Operation = { security?: Record<string, string[]>[]; responses: Record<string, Response> }
    const doc = (await call(app.url, 'GET', '/docs/json')).body as {
      openapi: string
      servers: { url: string }[]
      paths: Record<string, Record<string, Operation>>
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers).toEqual([expect.objectContaining({ url: PUBLIC_URL })])
    // TypeBox's `error` (our field messages) is no JSON Schema keyword: the published document has none.
    expect(JSON.stringify(doc)).not.toContain('"error":"')
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`
        const credentials = (operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0)
        const expected = ['500', ...(credentials ? ['401', '503'] : [])]
        expect({ name, statuses: Object.keys(operation.responses) }).toEqual({
          name,
          statuses: expect.arrayContaining(expected),
        })
        const unavailable = operation.responses['503']
        if (unavailable) expect(Object.keys(unavailable.headers ?? {})).toContain('Retry-After')
      }
    }
    // The emailed link answers a browser with HTML pages, whatever the status.
    const link = doc.paths['/validation/{token}']?.get as Operation
    for (const status of ['200', '401', '404', '410', '500', '503'])
      expect(Object.keys(link.responses[status]?.content ?? {})).toContain('text/html')
  })

  test('every limited route documents its 429 with Retry-After and the RateLimit fields', async () => {
    const doc = (await call(app.url, 'GET', '/docs/json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>
    }
    for (const [path, method] of [
      ['/users/', 'post'],
      ['/validation/', 'post'],
      ['/validation/resend', 'post'],
      ['/validation/{token}', 'get'],
    ] as const) {
      const limited = doc.paths[path]?.[method]?.responses['429']
      expect(Object.keys(limited?.headers ?? {})).toEqual(
        expect.arrayContaining(['Retry-After', 'RateLimit-Policy', 'RateLimit']),
      )
    }
    expect(Object.keys(doc.paths['/users/{email}']?.get?.responses ?? {})).not.toContain('429')
  })
})
