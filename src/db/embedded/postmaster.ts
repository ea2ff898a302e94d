import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { EmbeddedDatabaseError } from './errors'
import type { RunAs } from './run-as'

/** initdb on a slow disk takes seconds; these bound a start that will never come. */
const INITDB_TIMEOUT_MS = 60_000
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const READY = 'database system is ready to accept connections'

export interface Postmaster {
  port: number
  stop(): Promise<void>
}

interface Run {
  child: ChildProcess
  /** The last few KiB PostgreSQL wrote: for the ready line and a one-line error. */
  output: { recent: string }
  exited: Promise<number | null>
}

function run(binary: string, args: string[], runAs: RunAs | undefined, logFile?: string): Run {
  // English messages: the ready line is matched, and errors are quoted to the user.
  const env = { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' }
  const child = spawn(binary, args, { ...runAs, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = { recent: '' }
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    if (logFile) appendFileSync(logFile, text)
    output.recent = (output.recent + text).slice(-8_192)
  }
  // Read for as long as it runs: a full pipe would block PostgreSQL's logging.
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      output.recent += `\n${error.message}`
      resolve(-1)
    })
    child.once('exit', (code) => resolve(code))
  })
  return { child, output, exited }
}

/** The line that says why: PostgreSQL's FATAL or ERROR when there is one, else its last. */
function reason(output: { recent: string }): string {
  const tail = output.recent.split('\n').filter((line) => line.trim() !== '')
  const line = tail.findLast((l) => /FATAL|ERROR|error|denied/.test(l)) ?? tail.at(-1) ?? 'no output'
  return line.replace(/^.*?(FATAL|ERROR):\s*/, '').trim()
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: Timer | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Creates a cluster in `dataDir` with one password-protected superuser. */
export async function initdb(binDir: string, dataDir: string, user: string, password: string, runAs?: RunAs) {
  // initdb reads the password from a file; beside the data folder, readable by its owner only.
  const passwordFile = join(dirname(dataDir), `.pwfile-${process.pid}`)
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 })
  if (runAs) chownSync(passwordFile, runAs.uid, runAs.gid)
  try {
    const init = run(
      join(binDir, 'bin', 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ],
      runAs,
    )
    const code = await within(init.exited, INITDB_TIMEOUT_MS)
    if (code === 'timeout') {
      init.child.kill('SIGKILL')
      throw new EmbeddedDatabaseError(`initdb did not finish within ${INITDB_TIMEOUT_MS / 1000} s in ${dataDir}`)
    }
    if (code !== 0) throw new EmbeddedDatabaseError(`initdb failed in ${dataDir}: ${reason(init.output)}`)
  } finally {
    rmSync(passwordFile, { force: true })
  }
}

/** Stops a postmaster by its PID: fast shutdown, then immediate, then SIGKILL. */
async function stopPid(pid: number, exited: () => boolean | Promise<boolean>): Promise<void> {
  for (const [signal, ms] of [
    ['SIGINT', STOP_TIMEOUT_MS],
    ['SIGQUIT', 2_000],
    ['SIGKILL', 2_000],
  ] as const) {
    try {
      process.kill(pid, signal)
    } catch {
      return
    }
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      if (await exited()) return
      await Bun.sleep(25)
    }
  }
}

/**
 * Runs `postgres` on `dataDir` and resolves once it accepts connections; fails with
 * one line (PostgreSQL's own reason) when it exits first or is not ready in time.
 */
export async function startPostmaster(
  binDir: string,
  dataDir: string,
  port: number,
  runAs?: RunAs,
  logFile?: string,
): Promise<Postmaster> {
  const postgres = run(
    join(binDir, 'bin', 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    runAs,
    logFile,
  )
  let stopped = false
  void postgres.exited.then(() => {
    stopped = true
  })
  // A test run or a CLI command that ends without stop() must not leave PostgreSQL running.
  const onExit = () => {
    if (!stopped && postgres.child.pid) process.kill(postgres.child.pid, 'SIGQUIT')
  }
  process.once('exit', onExit)

  const ready = new Promise<true>((resolve) => {
    const watch = () => {
      if (postgres.output.recent.includes(READY)) resolve(true)
    }
    postgres.child.stderr?.on('data', watch)
    postgres.child.stdout?.on('data', watch)
  })
  const outcome = await within(Promise.race([ready, postgres.exited.then(() => false as const)]), START_TIMEOUT_MS)
  if (outcome !== true) {
    if (outcome === 'timeout' && postgres.child.pid) await stopPid(postgres.child.pid, () => stopped)
    process.off('exit', onExit)
    const why =
      outcome === 'timeout'
        ? `not ready within ${START_TIMEOUT_MS / 1000} s (${reason(postgres.output)})`
        : reason(postgres.output)
    throw new EmbeddedDatabaseError(`the embedded PostgreSQL on port ${port} did not start: ${why}`)
  }
  return {
    port,
    async stop() {
      if (postgres.child.pid) await stopPid(postgres.child.pid, () => stopped)
      process.off('exit', onExit)
    },
  }
}

/** A postmaster already running on `dataDir` (e.g. `bun run dev`'s), from its postmaster.pid. */
export function runningPostmaster(dataDir: string): { pid: number; port: number } | undefined {
  const file = join(dataDir, 'postmaster.pid')
  if (!existsSync(file)) return undefined
  const [pidLine, , , portLine] = readFileSync(file, 'utf8').split('\n')
  const pid = Number(pidLine)
  const port = Number(portLine)
  if (!(pid > 0 && port > 0)) return undefined
  try {
    process.kill(pid, 0)
  } catch {
    return undefined
  }
  return { pid, port }
}

/** Stops a postmaster this process did not start (one left by a killed `dev`), by its PID. */
export function adoptPostmaster(dataDir: string, running: { pid: number; port: number }): Postmaster {
  return {
    port: running.port,
    stop: () => stopPid(running.pid, () => runningPostmaster(dataDir) === undefined),
  }
}
