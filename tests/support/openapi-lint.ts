import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestApp } from './app'
import { freePort } from './database'

const ROOT = join(import.meta.dir, '../..')
const REDOCLY = join(ROOT, 'node_modules/.bin/redocly')

export interface LintResult {
  passed: boolean
  output: string
}

/**
 * /docs/json as the service serves it over HTTP. The app is built as the tests build
 * it, on a database address nobody answers: the document needs no database.
 */
export async function servedDocument(): Promise<Record<string, unknown>> {
  const app = await startTestApp({ databaseUrl: `postgres://nobody:nothing@127.0.0.1:${await freePort()}/none` })
  try {
    const response = await fetch(`${app.url}/docs/json`)
    if (!response.ok) throw new Error(`GET /docs/json answered ${response.status}`)
    return (await response.json()) as Record<string, unknown>
  } finally {
    await app.stop()
  }
}

/** `redocly lint` with the repository's redocly.yaml; passes only with no problem at all. */
export async function lintDocument(document: unknown): Promise<LintResult> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-'))
  try {
    const file = join(dir, 'openapi.json')
    await writeFile(file, JSON.stringify(document, null, 2))
    const lint = Bun.spawn(['bun', '--bun', REDOCLY, 'lint', '--config', join(ROOT, 'redocly.yaml'), file], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [stdout, stderr, code] = await Promise.all([
      new Response(lint.stdout).text(),
      new Response(lint.stderr).text(),
      lint.exited,
    ])
    return { passed: code === 0, output: `${stdout}${stderr}` }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// `bun run lint:openapi`: lints the served document, as .ci/run does.
if (import.meta.main) {
  const result = await lintDocument(await servedDocument())
  console.log(result.output.trim())
  process.exit(result.passed ? 0 : 1)
}
