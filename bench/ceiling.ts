// What this machine allows for a GET: bare Elysia routes running the service's own
// user SELECT and user-list page SELECT through postgres.js, with no key check,
// hooks or mapping. `bun bench/ceiling.ts` serves them on PORT for the benchmark to load.
import { Elysia } from 'elysia'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { decodeCursor } from '../src/modules/users/users.cursor'

const sql = connect(process.env.DATABASE_URL ?? '')
const statements = await Statements.load(QUERIES_DIR)
const select = statements.get('users/select_user_by_email')
const page = statements.get('users/select_users_page')
const serverId = process.env.SERVER_ID ?? ''
const listServerId = process.env.LIST_SERVER_ID ?? ''

new Elysia()
  .get('/health', () => 'ok')
  .get('/users/:email', async ({ params }) => select.maybeOne(sql, [serverId, params.email]))
  // The same page as the service reads it (one row more than asked, unprepared), sent as the rows are.
  .get('/users/', async ({ query }) => {
    const after = query.after ? decodeCursor(query.after) : undefined
    const activated = query.activated === undefined ? null : query.activated === 'true'
    const params = [listServerId, after?.time ?? null, after?.id ?? null, activated]
    return page.many(sql, [...params, Number(query.limit ?? 50) + 1, query.email_prefix || null], { prepare: false })
  })
  .listen({ hostname: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => process.exit(0))
