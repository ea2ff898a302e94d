import type { Argon2Params } from '../src/config'

/**
 * How many argon2id hashes (or verifications of a right password) per second
 * this machine makes with the service's parameters, using every core the way
 * the service does (Bun's thread pool).
 */
export async function argon2Rate(
  params: Argon2Params,
  operation: 'hash' | 'verify' = 'hash',
  seconds = 5,
  concurrency = 8,
): Promise<number> {
  const options = { algorithm: 'argon2id', ...params } as const
  const hash = await Bun.password.hash('warm-up', options)
  const once = (i: number) =>
    operation === 'hash' ? Bun.password.hash(`password-${i}`, options) : Bun.password.verify('warm-up', hash)
  let done = 0
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await once(done)
        done += 1
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}
