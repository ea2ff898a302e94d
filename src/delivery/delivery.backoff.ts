export const RETRY_MAX_SECONDS = 3_600
/** While Mailjet refuses the account, one instance probes it with one email, after this and doubling. */
export const PROBE_BASE_SECONDS = 60
export const PROBE_MAX_SECONDS = 3_600

/**
 * Exponential backoff with jitter (half fixed, half random, so retries of many
 * emails spread out), never sooner than Mailjet's Retry-After.
 */
export function retryDelaySeconds(
  attempts: number,
  retryAfter: number | null,
  baseSeconds: number,
  random = Math.random,
): number {
  const exponential = Math.min(RETRY_MAX_SECONDS, baseSeconds * 2 ** Math.max(0, attempts - 1))
  const jittered = exponential / 2 + (exponential / 2) * random()
  return Math.max(jittered, retryAfter ?? 0)
}
