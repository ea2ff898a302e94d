import { connect } from '../db/client'
import { migrate } from '../db/migrate'
import { QUERIES_DIR, Statements } from '../db/statements'
import { createServersService, InvalidServerNameError, ServerNameTakenError } from '../modules/servers/servers.service'
import { cliDatabase } from './database-url'

const USAGE = 'usage: bun run servers create NAME | list | delete NAME'

const [command, name] = process.argv.slice(2)
if (!(command === 'list' || ((command === 'create' || command === 'delete') && name))) {
  console.error(USAGE)
  process.exit(2)
}

const database = await cliDatabase('bun run servers')
const sql = connect(database.url, { max: 1 })
// Set here and passed to process.exit: Bun ignored process.exitCode after the awaits below.
let exitCode = 0
try {
  await migrate(database.url)
  const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
  if (command === 'create') {
    console.log(JSON.stringify(await servers.create(name ?? '')))
  } else if (command === 'list') {
    for (const server of await servers.list()) console.log(JSON.stringify(server))
  } else if (await servers.delete(name ?? '')) {
    console.log(JSON.stringify({ deleted: name }))
  } else {
    console.error(`no server named "${name}"`)
    exitCode = 1
  }
} catch (error) {
  if (!(error instanceof ServerNameTakenError || error instanceof InvalidServerNameError)) throw error
  console.error(error.message)
  exitCode = 1
} finally {
  await sql.end()
  await database.stop()
}
process.exit(exitCode)
