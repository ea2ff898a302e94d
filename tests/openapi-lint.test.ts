import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { lintDocument, servedDocument } from './support/openapi-lint'
import { ROOT } from './support/process'

// Each test runs Redocly's CLI as a process: a bound against hangs on a loaded machine
// (Bun's default is 5 s), not a speed assertion.
setDefaultTimeout(30_000)

// Redocly is a development dependency: the production image, where `docker compose exec api
// bun test` runs, goes without it.
const hasRedocly = existsSync(join(ROOT, 'node_modules/.bin/redocly'))
if (!hasRedocly) console.log('skipped the OpenAPI lint: @redocly/cli is not installed (production dependencies only)')

type Document = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> }

let served: Document

beforeAll(async () => {
  served = (await servedDocument()) as Document
})

describe.skipIf(!hasRedocly)('the OpenAPI document at /docs/json', () => {
  test('passes redocly lint with the recommended rules (redocly.yaml), as .ci/run checks', async () => {
    const result = await lintDocument(served)
    if (!result.passed) console.error(result.output)
    expect(result.passed).toBe(true)
  })

  // The lint above could pass for want of looking: each of these regressions must fail it.
  const regressions: Record<string, (document: Document) => void> = {
    'declaring OpenAPI 3.0 while the schemas use const and type "null"': (document) => {
      document.openapi = '3.0.3'
    },
    'a TypeBox-only keyword left in a schema': (document) => {
      const body = document.paths['/users/']?.post?.requestBody as {
        content: Record<string, { schema: { properties: Record<string, Record<string, unknown>> } }>
      }
      const email = body.content['application/json']?.schema.properties.email
      if (email) email.error = 'must be an email address'
    },
    'an operation that says nothing of its security': (document) => {
      delete document.paths['/health']?.get?.security
    },
  }
  for (const [name, breakIt] of Object.entries(regressions)) {
    test(`fails on ${name}`, async () => {
      const broken = structuredClone(served)
      breakIt(broken)
      expect(JSON.stringify(broken)).not.toBe(JSON.stringify(served))
      expect((await lintDocument(broken)).passed).toBe(false)
    })
  }
})
