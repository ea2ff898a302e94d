import { join } from 'node:path'
import { resolveBinary } from 'dbmate'

export const MIGRATIONS_DIR = join(import.meta.dir, '../../sql/migrations')

/**
 * Applies pending migrations with dbmate. Like dbmate itself, it needs
 * `?sslmode=disable` in the URL of a server without TLS; throws with dbmate's own message when it fails. */
export async function migrate(databaseUrl: string): Promise<void> {
  const child = Bun.spawn(
    [
      resolveBinary(),
      '--url',
      databaseUrl,
      '--migrations-dir',
      MIGRATIONS_DIR,
      '--no-dump-schema',
      '--wait',
      // Callers check first that the database answers (preflight.ts); this covers a
      // restart in between without holding a command for long.
      '--wait-timeout',
      '8s',
      'up',
    ],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ])
  if (code !== 0) throw new Error(`dbmate failed (exit ${code}): ${(stderr || stdout).trim()}`)
}
