import { join } from 'node:path'

/** Every variable src/config.ts reads, found in its source so a new one cannot be forgotten. */
export const CONFIG_VARIABLES = [
  ...(await Bun.file(join(import.meta.dir, '../../src/config.ts')).text()).matchAll(/\(env, '([A-Z_0-9]+)'/g),
].map((m) => m[1] ?? '')
