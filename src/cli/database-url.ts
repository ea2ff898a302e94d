import { devDatabaseForCommand, type EmbeddedDatabase } from '../db/embedded'
import { assertDatabaseAnswers } from '../db/preflight'
import { configOrExit } from './config-or-exit'
import { exitOnFailure } from './exit-on-failure'

/** DATABASE_URL when set (checked to answer), else the embedded database of `bun run dev`. */
export async function cliDatabase(command: string): Promise<EmbeddedDatabase> {
  const config = configOrExit()
  try {
    if (!config.databaseUrl) return await devDatabaseForCommand(command)
    await assertDatabaseAnswers(config.databaseUrl)
    return { url: config.databaseUrl, stop: async () => {} }
  } catch (error) {
    return exitOnFailure(error)
  }
}
