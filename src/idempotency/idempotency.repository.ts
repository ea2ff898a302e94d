import type { Executor } from '../db/client'
import type { Statements } from '../db/statements'

/** An answer as stored and replayed: status, the headers worth repeating, the exact body. */
export interface StoredAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

export interface KeyRow {
  fingerprint: Buffer
  attempt: string
  locked_until: Date | null
  status: number | null
  headers: Record<string, string> | null
  body: string | null
}

export interface Claim {
  serverId: string
  key: string
  fingerprint: Buffer
  attempt: string
  now: Date
  lockSeconds: number
  keepSeconds: number
}

export function createIdempotencyRepository(statements: Statements) {
  const claim = statements.get('idempotency/claim_idempotency_key')
  const select = statements.get('idempotency/select_idempotency_key')
  const save = statements.get('idempotency/save_idempotency_answer')
  const remove = statements.get('idempotency/delete_idempotency_key')

  return {
    /** True when this run now owns the key. */
    async claim(db: Executor, c: Claim): Promise<boolean> {
      const params = [c.serverId, c.key, c.fingerprint, c.attempt, c.now, c.lockSeconds, c.keepSeconds]
      return (await claim.maybeOne(db, params)) !== undefined
    },

    find(db: Executor, serverId: string, key: string): Promise<KeyRow | undefined> {
      return select.maybeOne<KeyRow>(db, [serverId, key])
    },

    /** False when the run lost the key (its lock passed and a retry took it over). */
    async save(
      db: Executor,
      owner: Pick<Claim, 'serverId' | 'key' | 'attempt'>,
      answer: StoredAnswer,
      staged: boolean,
    ) {
      const params = [owner.serverId, owner.key, owner.attempt, answer.status, answer.headers, answer.body, staged]
      return (await save.maybeOne(db, params)) !== undefined
    },

    async release(db: Executor, owner: Pick<Claim, 'serverId' | 'key' | 'attempt'>): Promise<void> {
      await remove.maybeOne(db, [owner.serverId, owner.key, owner.attempt])
    },
  }
}
