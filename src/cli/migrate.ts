import { migrate } from '../db/migrate'
import { cliDatabase } from './database-url'

const database = await cliDatabase('bun run db:migrate')
let exitCode = 0
try {
  await migrate(database.url)
  console.log('migrations applied')
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  exitCode = 1
} finally {
  await database.stop()
}
process.exit(exitCode)
