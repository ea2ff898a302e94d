import { serve } from '../server'
import { configOrExit } from './config-or-exit'

// Production start: DATABASE_URL is required, migrations are applied, then we serve.
const config = configOrExit()
if (!config.databaseUrl) {
  console.error('configuration error: DATABASE_URL is required, as postgres://user:pass@host:5432/db')
  process.exit(1)
}
await serve(config, config.databaseUrl)
