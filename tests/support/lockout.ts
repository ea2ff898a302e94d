import { expect } from 'bun:test'
import type { Credentials } from '../../src/http/basic-auth'
import type { Reply } from './http'

/** 3 wrong passwords in 15 minutes lock an email for 60 s, then 120, 240, and 300 at most. */
export const LOCKOUT_LIMITS = {
  AUTH_MAX_FAILURES: '3',
  AUTH_FAILURE_WINDOW_SECONDS: '900',
  AUTH_LOCKOUT_SECONDS: '60',
  AUTH_MAX_LOCKOUT_SECONDS: '300',
}

export const wrongPassword = (email: string): Credentials => ({ email, password: 'not the password' })

/** The password lock's answer under LOCKOUT_LIMITS, whichever route checked the password. */
export function expectLocked(reply: Reply, retryAfter = 60) {
  expect(reply.status).toBe(429)
  expect(reply.headers.get('content-type')).toBe('application/problem+json')
  expect(reply.body.type).toEndWith('auth.locked')
  expect(reply.headers.get('retry-after')).toBe(String(retryAfter))
  expect(reply.headers.get('ratelimit-policy')).toBe('"passwords";q=3;w=900')
  expect(reply.headers.get('ratelimit')).toBe(`"passwords";r=0;t=${retryAfter}`)
}
