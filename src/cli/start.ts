import { assertDatabaseAnswers } from '../db/preflight'
import { assertPortFree } from '../os/port'
import { serve } from '../server'
import { configOrExit } from './config-or-exit'
import { exitOnFailure } from './exit-on-failure'

// Production start: DATABASE_URL and SECRET_KEY are required, migrations are applied, then we serve.
const config = configOrExit()
if (!config.databaseUrl) {
  console.error('configuration error: DATABASE_URL is required, as postgres://user:pass@host:5432/db')
  process.exit(1)
}
if (!config.secretKey) {
  console.error('configuration error: SECRET_KEY is required, at least 32 characters (e.g. openssl rand -base64 32)')
  process.exit(1)
}
const databaseUrl = config.databaseUrl
await (async () => {
  assertPortFree(config.host, config.port)
  await assertDatabaseAnswers(databaseUrl)
  await serve(config, databaseUrl)
})().catch(exitOnFailure)
