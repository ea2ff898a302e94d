import { join } from 'node:path'

export const ROOT = join(import.meta.dir, '../..')

export interface Finished {
  code: number
  stdout: string
  stderr: string
}

/** `bun run <script> ...args` in the project, as a user would, with `env` on top of a clean environment. */
function spawnScript(args: string[], env: Record<string, string>) {
  return Bun.spawn(['bun', 'run', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
}

export async function runScript(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  const child = spawnScript(args, env)
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ])
  return { code, stdout, stderr }
}

/** Starts a long-running script and resolves once a line of its stdout matches `ready`. */
export async function startScript(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000) {
  const child = spawnScript(args, env)
  let output = ''
  const reader = child.stdout.getReader()
  const decoder = new TextDecoder()
  const deadline = Date.now() + timeoutMs
  while (!ready.test(output)) {
    if (Date.now() > deadline) {
      child.kill()
      throw new Error(`not ready in ${timeoutMs} ms: ${output}`)
    }
    const { value, done } = await reader.read()
    if (done) throw new Error(`exited before ready (code ${await child.exited}): ${output}${await new Response(child.stderr).text()}`)
    output += decoder.decode(value)
  }
  reader.releaseLock()
  return { child, output: () => output }
}
