import { migrate } from '../db/migrate'
import { cliDatabase } from './database-url'

const database = await cliDatabase()
try {
  await migrate(database.url)
  console.log('migrations applied')
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
} finally {
  await database.stop()
}
