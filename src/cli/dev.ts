import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from '../db/client'
import { DEV_FOLDER, devDatabase, lockDataFolder } from '../db/embedded'
import { QUERIES_DIR, Statements } from '../db/statements'
import { createInbox } from '../mail/inbox'
import { createServersService } from '../modules/servers/servers.service'
import { assertPortFree } from '../os/port'
import { serve } from '../server'
import { configOrExit } from './config-or-exit'
import { devSecretKey } from './dev-secret-key'
import { exitOnFailure } from './exit-on-failure'

// The local key and the secret key are kept beside the dev database so they survive restarts.
const LOCAL_KEY_FILE = join(DEV_FOLDER, 'local-api-key')

const parsed = configOrExit()
// One dev per data folder and per port, both checked before anything starts.
const { config, database, server } = await (async () => {
  const lock = lockDataFolder(DEV_FOLDER, 'bun run dev')
  try {
    assertPortFree(parsed.host, parsed.port)
  } catch (error) {
    lock.release()
    throw error
  }
  const config = { ...parsed, secretKey: await devSecretKey(parsed.secretKey) }
  const database = await devDatabase(lock)
  const inbox = config.mailjet ? undefined : createInbox()
  try {
    return { config, database, server: await serve(config, database.url, { afterStop: database.stop, inbox }) }
  } catch (error) {
    await database.stop()
    throw error
  }
})().catch(exitOnFailure)

const sql = connect(database.url, { max: 1 })
const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
const keyFile = Bun.file(LOCAL_KEY_FILE)
const local = await servers.ensure('local', (await keyFile.exists()) ? (await keyFile.text()).trim() : undefined)
await sql.end()
await mkdir(DEV_FOLDER, { recursive: true })
// Readable by this user only: it is a working key for the local server.
await writeFile(LOCAL_KEY_FILE, local.api_key, { mode: 0o600 })
const base = `http://localhost:${new URL(server.url).port}`
// The contract asks for the key on stdout; it is a local development key, never a production one.
console.log(`Server "local" API key: ${local.api_key}`)
console.log(`Swagger UI: ${base}/docs`)
if (!config.mailjet) console.log(`Inbox (emails are not sent without Mailjet keys): ${base}/dev/inbox`)
