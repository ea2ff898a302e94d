import type { Argon2Params } from './config'

export interface Passwords {
  hash(password: string): Promise<string>
  /** Verifies against `hash`, or against a dummy hash when there is none, so unknown users cost the same. */
  verify(password: string, hash: string | undefined): Promise<boolean>
}

/**
 * argon2id with the configured cost (OWASP's minimum by default). Bun hashes on
 * its thread pool, so the event loop is not blocked. A hash made with other
 * parameters still verifies: they are stored in the hash itself.
 */
export async function createPasswords(params: Argon2Params): Promise<Passwords> {
  const options = { algorithm: 'argon2id', ...params } as const
  // Same parameters as real hashes, so an unknown email costs what a wrong password does.
  const dummy = await Bun.password.hash(crypto.randomUUID(), options)
  return {
    hash: (password) => Bun.password.hash(password, options),
    async verify(password, hash) {
      const matched = await Bun.password.verify(password, hash ?? dummy)
      return hash !== undefined && matched
    },
  }
}
