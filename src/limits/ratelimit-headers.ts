import { serializeList } from 'structured-headers'

/**
 * The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers),
 * as Structured Field lists serialized by `structured-headers`:
 * `RateLimit-Policy: "registrations";q=600;w=60` and `RateLimit: "registrations";r=599;t=1`.
 */
export interface QuotaState {
  policy: string
  quota: number
  windowSeconds: number
  remaining: number
  /** Seconds until the quota is whole again. */
  resetSeconds: number
}

export function rateLimitHeaders(state: QuotaState): Record<string, string> {
  return {
    'ratelimit-policy': serializeList([
      [
        state.policy,
        new Map([
          ['q', state.quota],
          ['w', state.windowSeconds],
        ]),
      ],
    ]),
    ratelimit: serializeList([
      [
        state.policy,
        new Map([
          ['r', Math.max(0, state.remaining)],
          ['t', Math.max(0, state.resetSeconds)],
        ]),
      ],
    ]),
  }
}

/** Retry-After in whole seconds, never 0 for a refusal. */
export function retryAfter(seconds: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(seconds))) }
}
