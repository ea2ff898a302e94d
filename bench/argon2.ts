import type { Argon2Params } from '../src/config'

/**
 * How many argon2id hashes per second this machine makes with the service's
 * parameters, using every core the way the service does (Bun's thread pool).
 */
export async function argon2Rate(params: Argon2Params, seconds = 5, concurrency = 8): Promise<number> {
  const options = { algorithm: 'argon2id', ...params } as const
  await Bun.password.hash('warm-up', options)
  let done = 0
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await Bun.password.hash(`password-${done}`, options)
        done += 1
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}
