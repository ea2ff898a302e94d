import { join } from 'node:path'
import type { Argon2Params } from '../src/config'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createServersService } from '../src/modules/servers/servers.service'
import { createPasswords } from '../src/passwords'
import { ACTIVATION_CODE_PURPOSE, codeHmac } from '../src/secrets'
import {
  CODE,
  CODE_USERS,
  LISTED_USERS,
  OTHER_SERVER_USERS,
  OTHER_SERVERS,
  PASSWORD,
  SEEDED_USERS,
  SIGN_IN_USERS,
} from './scenarios'

/**
 * A server with 10,000 users to read, 5,000 inactive users holding a live code
 * and 5,000 activated users to sign in; a server with 100,000 users to list and
 * 10 more with 10,000 each beside it; all inserted in bulk with one argon2id hash
 * made with the service's parameters and the code's HMAC under the service's SECRET_KEY.
 */
export async function seed(
  databaseUrl: string,
  argon2: Argon2Params,
  secretKey: string,
): Promise<{ apiKey: string; serverId: string; listApiKey: string; listServerId: string }> {
  const sql = connect(databaseUrl, { max: 1 })
  try {
    const servers = createServersService({ sql, statements: await Statements.load(QUERIES_DIR) })
    const server = await servers.create(`bench-${Date.now()}`)
    const bench = await Statements.load(join(import.meta.dir, 'sql'))
    const passwordHash = await (await createPasswords(argon2)).hash(PASSWORD)
    await bench.get('seed_users').many(sql, [server.id, SEEDED_USERS, 'user-', passwordHash])
    await bench.get('seed_users').many(sql, [server.id, CODE_USERS, 'code-', passwordHash])
    await bench
      .get('seed_activations')
      .many(sql, [server.id, 'code-', codeHmac(secretKey, ACTIVATION_CODE_PURPOSE, CODE)])
    await bench.get('seed_users').many(sql, [server.id, SIGN_IN_USERS, 'signin-', passwordHash])
    await bench.get('activate_users').many(sql, [server.id, 'signin-'])

    const listed = await servers.create(`bench-list-${Date.now()}`)
    await bench.get('seed_listed_users').many(sql, [listed.id, LISTED_USERS, 'list-', passwordHash])
    for (let i = 1; i <= OTHER_SERVERS; i += 1) {
      const other = await servers.create(`bench-other-${i}-${Date.now()}`)
      await bench.get('seed_listed_users').many(sql, [other.id, OTHER_SERVER_USERS, 'list-', passwordHash])
    }
    await bench.get('analyze_users').many(sql)
    return { apiKey: server.api_key, serverId: server.id, listApiKey: listed.api_key, listServerId: listed.id }
  } finally {
    await sql.end()
  }
}
