import { parseArgs } from 'node:util'
import { connect } from '../db/client'
import { migrate } from '../db/migrate'
import { QUERIES_DIR, Statements } from '../db/statements'
import {
  createServersService,
  InvalidServerNameError,
  ServerNameTakenError,
  type ServerSettings,
  WebhookSettingError,
} from '../modules/servers/servers.service'
import { codeKeys } from '../secrets'
import { parseWebhookUrl } from '../webhooks/webhooks.secret'
import { configOrExit } from './config-or-exit'
import { cliDatabase } from './database-url'
import { devSecretKey } from './dev-secret-key'

const USAGE = `usage: bun run servers create NAME [--mail-per-day N] [--webhook-url URL]
       bun run servers update NAME [--mail-per-day N|none] [--webhook-url URL | --no-webhook]
       bun run servers rotate-webhook-secret NAME
       bun run servers reseal-webhook-secrets
       bun run servers list
       bun run servers delete NAME`

function usage(problem?: string): never {
  if (problem) console.error(problem)
  console.error(USAGE)
  process.exit(2)
}

const OPTIONS = {
  'mail-per-day': { type: 'string' },
  'webhook-url': { type: 'string' },
  'no-webhook': { type: 'boolean' },
} as const

/** Settings given as options; each is optional. */
function settings(values: { 'mail-per-day'?: string; 'webhook-url'?: string; 'no-webhook'?: boolean }): ServerSettings {
  const result: ServerSettings = {}
  const raw = values['mail-per-day']
  if (raw === 'none') result.mailPerDay = null
  else if (raw !== undefined) {
    if (!/^\d{1,9}$/.test(raw)) usage(`--mail-per-day must be a whole number of emails or "none", got "${raw}"`)
    result.mailPerDay = Number(raw)
  }
  const url = values['webhook-url']
  if (url !== undefined && values['no-webhook']) usage('--webhook-url and --no-webhook exclude each other')
  if (url !== undefined) {
    const parsed = parseWebhookUrl(url)
    if (!parsed) usage(`--webhook-url must be an http(s) URL without credentials, got "${url}"`)
    result.webhookUrl = parsed
  }
  if (values['no-webhook']) result.webhookUrl = null
  return result
}

let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
try {
  parsed = parseArgs({ options: OPTIONS, allowPositionals: true })
} catch (error) {
  usage(error instanceof Error ? error.message : String(error))
}
const [command, name] = parsed.positionals
const options = settings(parsed.values)
const named = ['create', 'delete', 'update', 'rotate-webhook-secret'].includes(command ?? '')
if (!(command === 'list' || command === 'reseal-webhook-secrets' || (named && name))) usage()
if (command === 'create' && options.webhookUrl === null) usage('create takes --webhook-url, not --no-webhook')
if (command === 'update' && options.mailPerDay === undefined && options.webhookUrl === undefined)
  usage('update needs a setting, e.g. --mail-per-day 50 or --webhook-url https://app.example.com/hooks')

const config = configOrExit()
const database = await cliDatabase('bun run servers')
// Webhook secrets are sealed under SECRET_KEY; on the dev database, under the key `dev` keeps.
const secretKey = config.databaseUrl ? config.secretKey : await devSecretKey(config.secretKey)
const sql = connect(database.url, { max: 1 })
// Set here and passed to process.exit: Bun ignored process.exitCode after the awaits below.
let exitCode = 0
const noServer = () => {
  console.error(`no server named "${name}"`)
  exitCode = 1
}
try {
  await migrate(database.url)
  const servers = createServersService({
    sql,
    statements: await Statements.load(QUERIES_DIR),
    keys: secretKey ? codeKeys({ secretKey, secretKeyPrevious: config.secretKeyPrevious }) : undefined,
  })
  if (command === 'create') {
    console.log(JSON.stringify(await servers.create(name ?? '', options)))
  } else if (command === 'list') {
    for (const server of await servers.list()) console.log(JSON.stringify(server))
  } else if (command === 'update') {
    const updated = await servers.update(name ?? '', options)
    if (updated) console.log(JSON.stringify(updated))
    else noServer()
  } else if (command === 'reseal-webhook-secrets') {
    const result = await servers.resealWebhookSecrets()
    console.log(JSON.stringify(result))
    if (result.unreadable.length > 0) {
      console.error(
        `secrets that open under neither SECRET_KEY nor SECRET_KEY_PREVIOUS: ${result.unreadable.join(', ')}; give each a new one with rotate-webhook-secret`,
      )
      exitCode = 1
    }
  } else if (command === 'rotate-webhook-secret') {
    const rotated = await servers.rotateWebhookSecret(name ?? '')
    if (rotated) console.log(JSON.stringify(rotated))
    else noServer()
  } else if (await servers.delete(name ?? '')) {
    console.log(JSON.stringify({ deleted: name }))
  } else {
    noServer()
  }
} catch (error) {
  if (
    !(
      error instanceof ServerNameTakenError ||
      error instanceof InvalidServerNameError ||
      error instanceof WebhookSettingError
    )
  )
    throw error
  console.error(error.message)
  exitCode = 1
} finally {
  await sql.end()
  await database.stop()
}
process.exit(exitCode)
