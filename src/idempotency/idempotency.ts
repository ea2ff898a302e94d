import { createHash, randomUUID } from 'node:crypto'
import type { Executor } from '../db/client'
import type { Deps } from '../deps'
import { AppError, toProblem } from '../errors'
import { createIdempotencyRepository, type KeyRow, type StoredAnswer } from './idempotency.repository'

/** What a route answers: its status, body and headers (Location...). */
export interface Answer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/**
 * Stores `answer` inside the transaction that commits the request's change, so a run that
 * dies after its commit still leaves the answer a retry needs. A no-op without a key.
 */
export type Stage = (tx: Executor, answer: Answer) => Promise<void>

export interface IdempotentRequest {
  /** Keys are scoped to the server. */
  serverId: string
  /** The Idempotency-Key header as sent, if any. */
  header: string | undefined
  /** What makes a retry the same request: the operation, its body and who asks (a Basic user). */
  operation: string
  body?: unknown
  principal?: string
}

/** The contract keeps an answer 24 h. */
export const KEEP_SECONDS = 24 * 60 * 60

// The draft makes the header a Structured Field string ("…"); a bare token is accepted too.
const QUOTED = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/
const VISIBLE = /^[\x20-\x7e]{1,255}$/

/** The key the header carries, or undefined without one; a malformed one is a 400. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const quoted = QUOTED.exec(header)
  const key = quoted ? (quoted[1] ?? '').replace(/\\(["\\])/g, '$1') : header
  if (!VISIBLE.test(key)) throw new AppError('idempotency.invalid_key')
  return key
}

/** Objects with their keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  )
}

function fingerprint(request: IdempotentRequest): Buffer {
  const parts = [request.operation, canonical(request.body ?? null), request.principal ?? null]
  return createHash('sha256').update(JSON.stringify(parts)).digest()
}

function stored(answer: Answer): StoredAnswer {
  return {
    status: answer.status,
    headers: { 'content-type': 'application/json', ...answer.headers },
    body: JSON.stringify(answer.body),
  }
}

function storedProblem(error: AppError): StoredAnswer {
  return {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
    body: JSON.stringify(toProblem(error)),
  }
}

function toResponse(answer: StoredAnswer, replayed: boolean): Response {
  const headers = replayed ? { ...answer.headers, 'idempotency-replayed': 'true' } : answer.headers
  return new Response(answer.body, { status: answer.status, headers })
}

/** A client's mistake or a final refusal is kept; a 429 or a 5xx gives the key back for a later retry. */
const keeps = (error: unknown): error is AppError =>
  error instanceof AppError && error.status < 500 && error.status !== 429

const isAnswered = (row: KeyRow): row is KeyRow & { status: number; headers: Record<string, string>; body: string } =>
  row.status !== null && row.headers !== null && row.body !== null

/**
 * Idempotency-Key (IETF httpapi draft) for any POST: a route hands its work to `run`,
 * which answers a retry of an answered request with the first answer (Idempotency-Replayed:
 * true), refuses the key with another request (422) or while the first still runs (409),
 * and otherwise runs the work once. Call it after authentication: a replay is an answer.
 *
 * A run whose instance dies keeps the key locked for IDEMPOTENCY_LOCK_SECONDS. Then a retry
 * gets the answer staged in the committing transaction if the change was committed, or runs
 * the request again if nothing was (it is safe: nothing happened).
 */
export function createIdempotency(deps: Pick<Deps, 'sql' | 'statements' | 'clock' | 'config' | 'log'>) {
  const repo = createIdempotencyRepository(deps.statements)
  const lockSeconds = deps.config.idempotencyLockSeconds

  /** Best effort: the answer stands even if it cannot be stored (the lock then says what to do). */
  async function keep(owner: { serverId: string; key: string; attempt: string }, answer: StoredAnswer) {
    await repo.save(deps.sql, owner, answer, false).catch((error: unknown) => {
      deps.log.warn('idempotency: an answer could not be stored', { error: String(error) })
    })
  }

  /** After an unexpected failure: the staged answer if the change was committed, else the key back. */
  async function afterFailure(owner: {
    serverId: string
    key: string
    attempt: string
  }): Promise<Response | undefined> {
    try {
      const row = await repo.find(deps.sql, owner.serverId, owner.key)
      if (row?.attempt !== owner.attempt) return undefined
      if (!isAnswered(row)) return void (await repo.release(deps.sql, owner))
      const answer = { status: row.status, headers: row.headers, body: row.body }
      await keep(owner, answer)
      return toResponse(answer, false)
    } catch {
      // The database is away: the lock expires and a retry decides from what was committed.
      return undefined
    }
  }

  return {
    async run(request: IdempotentRequest, work: (stage: Stage) => Promise<Answer>): Promise<Response> {
      const key = parseIdempotencyKey(request.header)
      if (key === undefined) return toResponse(stored(await work(async () => {})), false)

      const owner = { serverId: request.serverId, key, attempt: randomUUID() }
      const print = fingerprint(request)
      const now = deps.clock()
      const claim = { ...owner, fingerprint: print, now, lockSeconds, keepSeconds: KEEP_SECONDS }
      if (!(await repo.claim(deps.sql, claim))) {
        const row = await repo.find(deps.sql, owner.serverId, key)
        if (row && !row.fingerprint.equals(print)) throw new AppError('idempotency.key_reused')
        if (!row || (row.locked_until && row.locked_until > now) || !isAnswered(row))
          throw new AppError('idempotency.in_flight')
        return toResponse({ status: row.status, headers: row.headers, body: row.body }, true)
      }

      const stage: Stage = async (tx, answer) => {
        await repo.save(tx, owner, stored(answer), true)
      }
      let answer: StoredAnswer
      try {
        answer = stored(await work(stage))
      } catch (error) {
        if (keeps(error)) {
          await keep(owner, storedProblem(error))
          throw error
        }
        const staged = await afterFailure(owner)
        if (staged) return staged
        throw error
      }
      await keep(owner, answer)
      return toResponse(answer, false)
    },
  }
}

export type Idempotency = ReturnType<typeof createIdempotency>
