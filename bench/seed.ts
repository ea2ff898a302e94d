import { join } from 'node:path'
import type { Argon2Params } from '../src/config'
import { connect } from '../src/db/client'
import { QUERIES_DIR, Statements } from '../src/db/statements'
import { createServersService } from '../src/modules/servers/servers.service'
import { createPasswords } from '../src/passwords'
import { ACTIVATION_CODE_PURPOSE, codeHmac } from '../src/secrets'
import { CODE, CODE_USERS, PASSWORD, SEEDED_USERS } from './scenarios'

/**
 * A server with 10,000 users to read, and 5,000 inactive users holding a live
 * code, all inserted in bulk with one argon2id hash made with the service's parameters
 * and the code's HMAC under the service's SECRET_KEY.
 */
export async function seed(
  databaseUrl: string,
  argon2: Argon2Params,
  secretKey: string,
): Promise<{ apiKey: string; serverId: string }> {
  const sql = connect(databaseUrl, { max: 1 })
  try {
    const server = await createServersService({ sql, statements: await Statements.load(QUERIES_DIR) }).create(
      `bench-${Date.now()}`,
    )
    const bench = await Statements.load(join(import.meta.dir, 'sql'))
    const passwordHash = await (await createPasswords(argon2)).hash(PASSWORD)
    await bench.get('seed_users').many(sql, [server.id, SEEDED_USERS, 'user-', passwordHash])
    await bench.get('seed_users').many(sql, [server.id, CODE_USERS, 'code-', passwordHash])
    await bench
      .get('seed_activations')
      .many(sql, [server.id, 'code-', codeHmac(secretKey, ACTIVATION_CODE_PURPOSE, CODE)])
    return { apiKey: server.api_key, serverId: server.id }
  } finally {
    await sql.end()
  }
}
