/**
 * argon2id at OWASP's minimum (19 MiB, 2 passes). Bun hashes on its thread pool,
 * so the event loop is not blocked.
 */
const PARAMS = { algorithm: 'argon2id', memoryCost: 19_456, timeCost: 2 } as const

export interface Passwords {
  hash(password: string): Promise<string>
  /** Verifies against `hash`, or against a dummy hash when there is none, so unknown users cost the same. */
  verify(password: string, hash: string | undefined): Promise<boolean>
}

export async function createPasswords(): Promise<Passwords> {
  const dummy = await Bun.password.hash(crypto.randomUUID(), PARAMS)
  return {
    hash: (password) => Bun.password.hash(password, PARAMS),
    async verify(password, hash) {
      const matched = await Bun.password.verify(password, hash ?? dummy)
      return hash !== undefined && matched
    },
  }
}
