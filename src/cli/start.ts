import { serve } from '../server'
import { configOrExit } from './config-or-exit'

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
await serve(config, config.databaseUrl)
