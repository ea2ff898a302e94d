import { parseArgs } from 'node:util'
import { connect } from '../db/client'
import { migrate } from '../db/migrate'
import { QUERIES_DIR, Statements } from '../db/statements'
import {
  createServersService,
  InvalidServerNameError,
  ServerNameTakenError,
  type ServerSettings,
} from '../modules/servers/servers.service'
import { cliDatabase } from './database-url'

const USAGE = `usage: bun run servers create NAME [--mail-per-day N]
       bun run servers update NAME --mail-per-day N|none
       bun run servers list
       bun run servers delete NAME`

function usage(problem?: string): never {
  if (problem) console.error(problem)
  console.error(USAGE)
  process.exit(2)
}

/** Settings given as options; each is optional, so later ones (a webhook URL...) add a line here. */
function settings(values: { 'mail-per-day'?: string }): ServerSettings {
  const raw = values['mail-per-day']
  if (raw === undefined) return {}
  if (raw === 'none') return { mailPerDay: null }
  if (!/^\d{1,9}$/.test(raw)) usage(`--mail-per-day must be a whole number of emails or "none", got "${raw}"`)
  return { mailPerDay: Number(raw) }
}

let parsed: ReturnType<typeof parseArgs<{ options: { 'mail-per-day': { type: 'string' } }; allowPositionals: true }>>
try {
  parsed = parseArgs({ options: { 'mail-per-day': { type: 'string' } }, allowPositionals: true })
} catch (error) {
  usage(error instanceof Error ? error.message : String(error))
}
const [command, name] = parsed.positionals
const options = settings(parsed.values)
const named = command === 'create' || command === 'delete' || command === 'update'
if (!(command === 'list' || (named && name))) usage()
if (command === 'update' && options.mailPerDay === undefined) usage('update needs a setting, e.g. --mail-per-day 50')

const database = await cliDatabase('bun run servers')
const sql = connect(database.url, { max: 1 })
// Set here and passed to process.exit: Bun ignored process.exitCode after the awaits below.
let exitCode = 0
try {
  await migrate(database.url)
  const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
  if (command === 'create') {
    console.log(JSON.stringify(await servers.create(name ?? '', options)))
  } else if (command === 'list') {
    for (const server of await servers.list()) console.log(JSON.stringify(server))
  } else if (command === 'update') {
    const updated = await servers.update(name ?? '', options)
    if (updated) console.log(JSON.stringify(updated))
    else {
      console.error(`no server named "${name}"`)
      exitCode = 1
    }
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
