// What this machine allows for a GET: a bare Elysia route running the service's
// own user SELECT through postgres.js, with no key check, hooks or mapping.
// `bun bench/ceiling.ts` serves it on PORT for the benchmark to load.
import { Elysia } from 'elysia'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'

const sql = connect(process.env.DATABASE_URL ?? '')
const select = (await Statements.load(QUERIES_DIR)).get('users/select_user_by_email')
const serverId = process.env.SERVER_ID ?? ''

new Elysia()
  .get('/health', () => 'ok')
  .get('/users/:email', async ({ params }) => select.maybeOne(sql, [serverId, params.email]))
  .listen({ hostname: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => process.exit(0))
