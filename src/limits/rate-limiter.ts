import type { Deps } from '../deps'
import { AppError, type ProblemCode } from '../errors'
import { sha256 } from '../secrets'
import { createLimitsRepository } from './limits.repository'
import { rateLimitHeaders, retryAfter } from './ratelimit-headers'

const MINUTE = 60

/** A per-minute rate, as a bucket of `perMinute` requests refilled steadily over a minute. */
export interface RatePolicy {
  /** The bucket kind in the database and the policy name in the RateLimit fields. */
  name: string
  perMinute: number
  problem: ProblemCode
}

/**
 * Token buckets kept in PostgreSQL (GCRA: one timestamp per subject), so every
 * instance shares one count; one statement per check.
 */
export function createRateLimiter(deps: Pick<Deps, 'sql' | 'statements' | 'clock'>) {
  const repo = createLimitsRepository(deps.statements)

  /**
   * Takes one request from `subject`'s bucket and returns the RateLimit fields to
   * answer with; a refusal throws the policy's 429 with Retry-After.
   */
  return async function take(policy: RatePolicy, subject: string): Promise<Record<string, string>> {
    const now = deps.clock()
    const interval = MINUTE / policy.perMinute
    const row = await repo.takeRateToken(deps.sql, policy.name, sha256(subject), now, interval, MINUTE)
    // How far ahead of now the bucket's schedule runs: a full bucket is 0 ahead, an empty one a minute.
    const ahead = (row.tat.getTime() - now.getTime()) / 1000
    const state = { policy: policy.name, quota: policy.perMinute, windowSeconds: MINUTE }
    if (!row.allowed) {
      const wait = ahead + interval - MINUTE
      throw new AppError(policy.problem, {
        headers: {
          ...retryAfter(wait),
          ...rateLimitHeaders({ ...state, remaining: 0, resetSeconds: Math.ceil(ahead) }),
        },
      })
    }
    const remaining = Math.floor((MINUTE - ahead) / interval + 1e-9)
    return rateLimitHeaders({ ...state, remaining, resetSeconds: Math.ceil(ahead) })
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>
