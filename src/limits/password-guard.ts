import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { Credentials } from '../http/basic-auth'
import { sha256 } from '../secrets'
import { createLimitsRepository, PASSWORD_KIND } from './limits.repository'
import { rateLimitHeaders, retryAfter } from './ratelimit-headers'

/**
 * Locked answers held at once, at most: past this many (an attacker with that many
 * connections) a locked answer goes at once, so holding them never costs unbounded memory.
 */
const MAX_HELD_LOCKED_ANSWERS = 1_000

export interface Account {
  password_hash: string
}

export interface GuardedCheck<T> {
  /** The account `find` returned, when the password is right; undefined for a wrong password or no account. */
  account: T | undefined
  /** The RateLimit fields of the password policy, for the answer. */
  headers: Record<string, string>
}

/**
 * Password guessing protection for every route that checks a user's password
 * (Keycloak-style): wrong passwords are counted per (server, lower-cased email),
 * whether or not the email exists; the AUTH_MAX_FAILURES-th within the window locks
 * the email, each further lock twice as long as the one before, up to the cap; a
 * right password resets it all. The lock is read before any lookup or hash, so a
 * locked email costs no hashing and answers 429 whether it exists or not; each
 * failure is counted by one atomic statement that also sets the lock. Concurrent
 * guesses already past the check can add at most one hash each.
 * A locked answer is held AUTH_LOCKED_DELAY_MS before it goes: a guesser that keeps
 * trying as fast as it is answered would otherwise spend a core of the service (and
 * its own) on 429s, taken from everyone else's hashing; held, each of its connections
 * costs a few requests a second.
 */
export function createPasswordGuard(deps: Pick<Deps, 'sql' | 'statements' | 'clock' | 'passwords' | 'config'>) {
  const repo = createLimitsRepository(deps.statements)
  const { maxFailures, failureWindowSeconds, lockoutSeconds, maxLockoutSeconds, lockedDelayMs } = deps.config.auth
  const policy = { maxFailures, windowSeconds: failureWindowSeconds, lockoutSeconds, maxLockoutSeconds }
  const quota = { policy: 'passwords', quota: maxFailures, windowSeconds: failureWindowSeconds }
  const secondsUntil = (end: Date, now: Date) => (end.getTime() - now.getTime()) / 1000
  const subjectOf = (serverId: string, email: string) => sha256(`${serverId}:${email.toLowerCase()}`)

  let held = 0
  async function holdLockedAnswer(): Promise<void> {
    if (lockedDelayMs === 0 || held >= MAX_HELD_LOCKED_ANSWERS) return
    held += 1
    try {
      await Bun.sleep(lockedDelayMs)
    } finally {
      held -= 1
    }
  }

  const locked = (seconds: number) =>
    new AppError('auth.locked', {
      headers: {
        ...retryAfter(seconds),
        ...rateLimitHeaders({ ...quota, remaining: 0, resetSeconds: Math.ceil(seconds) }),
      },
    })

  return {
    async check<T extends Account>(
      serverId: string,
      credentials: Credentials,
      find: () => Promise<T | undefined>,
    ): Promise<GuardedCheck<T>> {
      const subject = subjectOf(serverId, credentials.email)
      const bucket = await repo.passwordBucket(deps.sql, subject, deps.clock())
      if (bucket?.locked_until) {
        await holdLockedAnswer()
        throw locked(secondsUntil(bucket.locked_until, deps.clock()))
      }

      const account = await find()
      const verified = await deps.passwords.verify(credentials.password, account?.password_hash)
      if (verified) {
        // Nothing counted when checked, nothing to reset: most sign-ins save the statement. A
        // failure counted meanwhile, by a concurrent guess, stays counted.
        if (bucket) await repo.forget(deps.sql, PASSWORD_KIND, subject)
        return { account, headers: rateLimitHeaders({ ...quota, remaining: maxFailures, resetSeconds: 0 }) }
      }
      const now = deps.clock()
      const failure = await repo.recordPasswordFailure(deps.sql, subject, now, policy)
      // Locked by this failure (or a concurrent one): the answer is still the 401 this password earned.
      const headers =
        failure.locked_until && failure.locked_until > now
          ? rateLimitHeaders({
              ...quota,
              remaining: 0,
              resetSeconds: Math.ceil(secondsUntil(failure.locked_until, now)),
            })
          : rateLimitHeaders({
              ...quota,
              remaining: maxFailures - failure.attempts,
              resetSeconds: Math.ceil(secondsUntil(failure.window_started_at, now) + failureWindowSeconds),
            })
      return { account: undefined, headers }
    },

    /** The owner proved the address some other way (a password reset): its count and lock go. */
    async forget(serverId: string, email: string): Promise<void> {
      await repo.forget(deps.sql, PASSWORD_KIND, subjectOf(serverId, email))
    },
  }
}

export type PasswordGuard = ReturnType<typeof createPasswordGuard>
