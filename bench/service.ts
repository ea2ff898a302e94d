import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')

/** Resident memory of a process, from /proc (Linux), in MiB. */
async function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text()
  const kib = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN)
  return kib / 1024
}

/**
 * The service as operators run it (`src/cli/start.ts`), or another entry such as
 * the ceiling server, in a process of its own, with its memory watched while a load runs.
 */
export async function startService(env: Record<string, string>, entry = 'src/cli/start.ts') {
  const child = Bun.spawn(['bun', join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  let output = ''
  const reader = (async () => {
    for await (const chunk of child.stdout) output += new TextDecoder().decode(chunk)
  })()
  const url = `http://127.0.0.1:${env.PORT}`
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}): ${output}`)
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (i > 300) throw new Error(`the service did not become healthy: ${output}`)
    await Bun.sleep(100)
  }

  return {
    url,
    pid: child.pid,
    /** Runs `work` while sampling the service's RSS every 100 ms; returns its result and the peak seen. */
    async watch<T>(work: () => Promise<T>): Promise<{ result: T; peakRssMiB: number }> {
      let peak = await rssMiB(child.pid, 'VmRSS')
      const sampler = setInterval(async () => {
        peak = Math.max(peak, await rssMiB(child.pid, 'VmRSS').catch(() => 0))
      }, 100)
      try {
        const result = await work()
        return { result, peakRssMiB: Math.max(peak, await rssMiB(child.pid, 'VmRSS')) }
      } finally {
        clearInterval(sampler)
      }
    },
    /** The kernel's high-water mark of the service's RSS since it started. */
    highWaterMiB: () => rssMiB(child.pid, 'VmHWM'),
    async stop() {
      child.kill('SIGTERM')
      await child.exited
      await reader
    },
  }
}

export type BenchService = Awaited<ReturnType<typeof startService>>
