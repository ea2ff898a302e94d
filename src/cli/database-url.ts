import { devDatabase, type EmbeddedDatabase } from '../db/embedded'
import { configOrExit } from './config-or-exit'

/** DATABASE_URL when set, else the embedded database of `bun run dev`. */
export async function cliDatabase(): Promise<EmbeddedDatabase> {
  const config = configOrExit()
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} }
  return devDatabase()
}
