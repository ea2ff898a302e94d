import { dirname, join } from 'node:path'
import { swagger } from '@elysiajs/swagger'
import { Elysia } from 'elysia'
import type { OpenAPIV3_1 } from 'openapi-types'
import packageJson from '../../package.json'
import { publishDocument } from './openapi-document'

const ASSETS = dirname(Bun.resolveSync('swagger-ui-dist/package.json', import.meta.dir))
const ASSET_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'] as const

// The plugin's own page loads Swagger UI from a CDN; this one uses the copy
// shipped in swagger-ui-dist, so /docs works with no internet access.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Registration API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '/docs/json', dom_id: '#swagger-ui', persistAuthorization: true, deepLinking: true })
</script>
</body>
</html>`

const DESCRIPTION = `Registers the users of several web applications ("servers") and proves that each user owns their email address.

A server authenticates with its API key in the \`X-API-Key\` header. Each new user gets an email with a 4-digit code and a link; the user activates by either, within the activation lifetime, proving it with their own email and password as HTTP Basic credentials.

Every error is \`application/problem+json\` (RFC 9457).`

/** Swagger UI at /docs and the OpenAPI document at /docs/json, whose server is `publicUrl`. */
export function docsRoutes(publicUrl: string) {
  const assets = new Elysia({ name: 'docs-assets', prefix: '/docs/assets' })
  for (const file of ASSET_FILES) {
    // Static responses are served by Bun directly, with no per-request work.
    assets.get(`/${file}`, new Response(Bun.file(join(ASSETS, file))), { detail: { hide: true } })
  }

  return (
    new Elysia({ name: 'docs' })
      // Local to this plugin: only /docs/json answers an object, the document the swagger plugin built.
      .onAfterHandle(({ path, response }) => {
        if (path === '/docs/json') return publishDocument(response as OpenAPIV3_1.Document)
      })
      .use(
        swagger({
          provider: 'swagger-ui',
          path: '/docs',
          specPath: '/docs/json',
          excludeStaticFile: true,
          documentation: {
            // TypeBox schemas are JSON Schema 2020-12 (const, type "null"), the dialect of OpenAPI 3.1.
            openapi: '3.1.0',
            servers: [{ url: publicUrl, description: 'This service (PUBLIC_URL)' }],
            info: { title: 'Registration API', version: packageJson.version, description: DESCRIPTION },
            tags: [
              { name: 'Users', description: 'Register, read and delete a server’s users' },
              { name: 'Activation', description: 'Prove the email address: by code, by link, or ask for a new email' },
              { name: 'Accounts', description: 'Check a user’s password at sign-in; change it' },
              { name: 'Health', description: 'Liveness of the service and its database' },
              { name: 'Webhooks', description: 'Signed events about a server’s users, and what became of them' },
            ],
            components: {
              securitySchemes: {
                apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The server’s API key' },
                basicAuth: { type: 'http', scheme: 'basic', description: 'The user’s own email and password' },
              },
            },
          },
        }),
      )
      // Registered after the plugin so this page replaces the plugin's CDN one.
      .get('/docs', new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }), {
        detail: { hide: true },
      })
      .use(assets)
  )
}
