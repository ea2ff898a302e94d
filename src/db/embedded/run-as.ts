import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { EmbeddedDatabaseError } from './errors'

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which
 * may not reach a clone inside a folder only root can enter (/root, a 700 folder).
 * What it must reach then lives here: owned by root and writable by root only, so
 * nobody else can swap the binaries it runs.
 */
export const REACHABLE_ROOT = '/var/lib/registration-api'

/** The identity PostgreSQL runs as: undefined when we are not root (it runs as us). */
export interface RunAs {
  uid: number
  gid: number
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' })
  return result.status === 0 ? Number(result.stdout.trim()) : undefined
}

function lookup(): RunAs | undefined {
  const uid = idOf('-u')
  const gid = idOf('-g')
  return uid === undefined || gid === undefined ? undefined : { uid, gid }
}

/** As root, the `postgres` system user (created when missing); otherwise undefined. */
export function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined
  const found = lookup()
  if (found) return found
  const created = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
    { encoding: 'utf8' },
  )
  const made = lookup()
  if (made) return made
  const why = (created.stderr || created.error?.message || '').trim().split('\n')[0]
  throw new EmbeddedDatabaseError(
    `PostgreSQL refuses to run as root and no "postgres" user could be created (${why}): create one (useradd --system postgres) or run as another user`,
  )
}

/** Whether `runAs` may search (`x`) or write (`w`) `path`; access(2) also needs every folder above it. */
export function reaches(runAs: RunAs, path: string, mode: 'x' | 'w' = 'x'): boolean {
  return spawnSync('test', [`-${mode}`, path], { uid: runAs.uid, gid: runAs.gid }).status === 0
}

/** Creates REACHABLE_ROOT (or a folder in it) for root alone to write, and refuses one anybody else could. */
export function rootOwnedFolder(path: string): string {
  try {
    mkdirSync(path, { recursive: true, mode: 0o755 })
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `cannot create ${path} for the embedded PostgreSQL (${(error as Error).message}); run as another user than root, or give it TEST_DATABASE_URL / DATABASE_URL`,
    )
  }
  const stat = statSync(path)
  if (stat.uid !== 0 || (stat.mode & 0o022) !== 0)
    throw new EmbeddedDatabaseError(
      `${path} must be owned and writable by root only (chown root ${path}; chmod 755 ${path})`,
    )
  return path
}

/** `nativeDir` (bin, lib, share), or a copy of it that `runAs` can execute. */
export function reachableBinaries(nativeDir: string, version: string, runAs: RunAs | undefined): string {
  if (!runAs || reaches(runAs, join(nativeDir, 'bin', 'postgres'))) return nativeDir
  const target = join(rootOwnedFolder(REACHABLE_ROOT), `postgres-${version}-${process.platform}-${process.arch}`)
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    // Copied aside, then renamed: a concurrent start never sees half a copy.
    const staging = `${target}.${process.pid}`
    rmSync(staging, { recursive: true, force: true })
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true })
    try {
      renameSync(staging, target)
    } catch {
      rmSync(staging, { recursive: true, force: true })
    }
  }
  if (!reaches(runAs, join(target, 'bin', 'postgres')))
    throw new EmbeddedDatabaseError(
      `the "postgres" user cannot execute ${target}/bin/postgres: make the folders above it searchable (chmod o+x), or run as another user than root`,
    )
  return target
}

/**
 * A data folder the `postgres` user can reach. When `dataDir` sits where it cannot,
 * the data lives under REACHABLE_ROOT and `dataDir` becomes a symbolic link to it, so
 * the data still looks like, and is deleted like, part of the checkout.
 */
export function reachableDataDir(dataDir: string, runAs: RunAs | undefined): string {
  const parent = dirname(dataDir)
  mkdirSync(parent, { recursive: true })
  if (!runAs) return dataDir
  // lstat: a link whose target is gone is still a link (existsSync follows it).
  const isLink = lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink() === true
  if (isLink || (!existsSync(dataDir) && !reaches(runAs, parent))) {
    if (!isLink) {
      const id = createHash('sha256').update(realpathSync(parent)).digest('hex').slice(0, 16)
      const outside = join(rootOwnedFolder(REACHABLE_ROOT), `data-${id}`, basename(dataDir))
      mkdirSync(dirname(outside), { recursive: true, mode: 0o755 })
      symlinkSync(outside, dataDir)
    }
    // Absolute; a dangling link (its target deleted) gets its target made again.
    const target = readlinkSync(dataDir)
    // Its parent is searchable by the postgres user; the data folder itself is its alone.
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 })
    mkdirSync(target, { recursive: true, mode: 0o700 })
    chownSync(target, runAs.uid, runAs.gid)
    return target
  }
  if (!reaches(runAs, parent))
    throw new EmbeddedDatabaseError(
      `PostgreSQL runs as the "postgres" user, which cannot reach ${dataDir}: make the folders above it searchable (chmod o+x), or delete it to start afresh (its data is then kept under ${REACHABLE_ROOT})`,
    )
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  chownSync(dataDir, runAs.uid, runAs.gid)
  return dataDir
}
