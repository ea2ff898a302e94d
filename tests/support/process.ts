import { join } from 'node:path'
import { TEST_SECRET_KEY } from './app'
import { CONFIG_VARIABLES } from './config-variables'
import { testDatabaseUrl } from './database'

export const ROOT = join(import.meta.dir, '../..')

export interface Finished {
  code: number
  stdout: string
  stderr: string
}

// Bun loads a developer's .env into every process it starts but never overrides a
// variable that is already set: set to empty (which the config reads as unset), the
// service's variables come from the test alone.
const UNSET = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']))

/** `bun run <script> ...args` in the project, as a user would, with `env` on top of a clean environment. */
function spawnScript(args: string[], env: Record<string, string>) {
  return Bun.spawn(['bun', 'run', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...UNSET, ...env },
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

/**
 * Starts a long-running script and resolves once its stdout matches `ready` (or
 * `ready()` resolves true); `output()` keeps growing with what it prints afterwards.
 */
export async function startScript(
  args: string[],
  env: Record<string, string>,
  ready: RegExp | (() => Promise<boolean>),
  timeoutMs = 30_000,
) {
  const child = spawnScript(args, env)
  let output = ''
  const decoder = new TextDecoder()
  const reading = (async () => {
    for await (const chunk of child.stdout) output += decoder.decode(chunk, { stream: true })
  })()
  const deadline = Date.now() + timeoutMs
  const isReady = () => (ready instanceof RegExp ? Promise.resolve(ready.test(output)) : ready())
  while (!(await isReady())) {
    if (child.exitCode !== null) {
      await reading
      throw new Error(
        `exited (code ${child.exitCode}) before ready: ${output}${await new Response(child.stderr).text()}`,
      )
    }
    if (Date.now() > deadline) {
      child.kill()
      throw new Error(`not ready in ${timeoutMs} ms: ${output}`)
    }
    await Bun.sleep(20)
  }
  return { child, output: () => output }
}

/**
 * `bun run start` on the test database, mailing the (fake) Mailjet at `mailjetUrl`, on a
 * port of its own; resolves once `ready`, with the URL it logged (when it logs at info).
 */
export async function startService(
  mailjetUrl: string,
  env: Record<string, string> = {},
  ready: RegExp | (() => Promise<boolean>) = /"listening"/,
) {
  const started = await startScript(
    ['start'],
    {
      DATABASE_URL: testDatabaseUrl(),
      SECRET_KEY: TEST_SECRET_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      MAILJET_API_KEY: 'process-key',
      MAILJET_API_SECRET: 'process-secret',
      MAILJET_API_URL: mailjetUrl,
      ...env,
    },
    ready,
  )
  return { ...started, url: /"url":"([^"]+)"/.exec(started.output())?.[1] ?? '' }
}
