import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describeProcess, isAlive } from '../../os/processes'
import { EmbeddedDatabaseError } from './errors'

export interface DataLock {
  release(): void
}

/** Whether `pid` is (still) a Bun process, where /proc tells: a PID reused since is no holder. */
function isBun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bun')
  } catch {
    return true
  }
}

/** Who holds `folder`'s lock, when a live process does. */
export function lockHolder(folder: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(folder, 'lock'), 'utf8').split('\n')[0])
    return pid > 0 && pid !== process.pid && isAlive(pid) && isBun(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * One process at a time owns a data folder (`dev`, or a CLI command that starts its
 * database). The lock is a file naming its holder's PID, made with O_EXCL; a lock
 * whose process is gone (killed with SIGKILL) is taken over.
 */
export function lockDataFolder(folder: string, holding: string): DataLock {
  mkdirSync(folder, { recursive: true })
  const file = join(folder, 'lock')
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o644)
      writeSync(fd, `${process.pid}\n${holding}\n`)
      closeSync(fd)
      const release = () => {
        try {
          if (readFileSync(file, 'utf8').startsWith(`${process.pid}\n`)) rmSync(file, { force: true })
        } catch {}
      }
      process.once('exit', release)
      return {
        release() {
          process.off('exit', release)
          release()
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = lockHolder(folder)
      if (holder !== undefined)
        throw new EmbeddedDatabaseError(
          `${folder} is in use by ${describeProcess(holder)}: stop it first (kill ${holder}), one \`bun run dev\` per clone`,
        )
      rmSync(file, { force: true })
    }
  }
  throw new EmbeddedDatabaseError(`could not lock ${folder}: another process keeps taking it`)
}
