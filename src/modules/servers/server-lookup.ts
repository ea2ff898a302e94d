import type { Deps } from '../../deps'
import { sha256 } from '../../secrets'
import { createServersRepository, type ServerIdentity } from './servers.repository'

/** A deleted server's key stops working within this time. */
export const SERVER_CACHE_TTL_MS = 1_000
// Only keys that matched are cached, so this bounds memory, not an attacker's guesses.
const MAX_ENTRIES = 10_000

export type ServerLookup = (apiKey: string) => Promise<ServerIdentity | undefined>

/**
 * API key → server, without a database round trip on every request: a found
 * server is remembered for at most a second (by the service's clock), and
 * concurrent lookups of one key share a single query.
 */
export function createServerLookup(deps: Pick<Deps, 'sql' | 'statements' | 'clock'>): ServerLookup {
  const repo = createServersRepository(deps.statements)
  const cache = new Map<string, { server: Promise<ServerIdentity | undefined>; expiresAt: number }>()

  // Keyed by the key itself, so a hit costs no hashing; the key is in this request's memory anyway.
  return (apiKey) => {
    const now = deps.clock().getTime()
    const cached = cache.get(apiKey)
    if (cached && cached.expiresAt > now) return cached.server

    if (cache.size >= MAX_ENTRIES) cache.clear()
    const server = repo.findByKeyHash(deps.sql, sha256(apiKey))
    cache.set(apiKey, { server, expiresAt: now + SERVER_CACHE_TTL_MS })
    const forget = () => {
      if (cache.get(apiKey)?.server === server) cache.delete(apiKey)
    }
    server.then((found) => found || forget(), forget)
    return server
  }
}
