import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CONFIG_VARIABLES } from './support/config-variables'
import { ROOT } from './support/process'

const read = (file: string) => Bun.file(join(ROOT, file)).text()

// These check the repository's deployment files; the image the suite also runs in
// (`docker compose exec api bun test`) does not carry them.
const inRepository = existsSync(join(ROOT, 'docker-compose.yml'))
if (!inRepository) console.log('skipped deployment checks: docker-compose.yml is not here (running inside the image)')

/** Compose's `${VAR:-default}` with no variable set: what an operator gets out of the box. */
const withDefaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')

interface ComposeService {
  image?: string
  configs?: { source: string; target: string }[]
  stop_grace_period?: string
  build?: unknown
  ports?: string[]
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  volumes?: string[]
  restart?: string
}

const compose = Bun.YAML.parse(inRepository ? withDefaults(await read('docker-compose.yml')) : 'services: {}') as {
  services: Record<string, ComposeService>
  volumes: Record<string, unknown>
  configs: Record<string, { content: string }>
}

describe.skipIf(!inRepository)('docker-compose.yml', () => {
  test('names the three services with their ports, published on 127.0.0.1 only by default', async () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'db', 'pgadmin'])
    expect(compose.services.api?.ports).toEqual(['127.0.0.1:8008:8008'])
    expect(compose.services.db?.ports).toEqual(['127.0.0.1:6432:5432'])
    expect(compose.services.pgadmin?.ports).toEqual(['127.0.0.1:5555:80'])
    // The variables that open them are documented.
    const raw = await read('docker-compose.yml')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default}
    expect(raw).toContain('${API_PUBLISH_ADDRESS:-127.0.0.1}:${API_PORT:-8008}:8008')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default}
    expect(raw).toContain('${PUBLISH_ADDRESS:-127.0.0.1}:${DB_PORT:-6432}:5432')
    for (const variable of ['API_PUBLISH_ADDRESS', 'PUBLISH_ADDRESS']) {
      expect(await read('.env.example')).toContain(`# ${variable}=`)
      expect(await read('README.md')).toContain(`\`${variable}\``)
    }
  })

  test('the api is built here, waits for a healthy db, restarts, and gets every variable the app reads', () => {
    const api = compose.services.api
    expect(api?.build).toBe('.')
    expect(api?.depends_on?.db?.condition).toBe('service_healthy')
    expect(api?.restart).toBe('unless-stopped')
    expect(CONFIG_VARIABLES.length).toBeGreaterThanOrEqual(12)
    for (const variable of CONFIG_VARIABLES) expect(Object.keys(api?.environment ?? {})).toContain(variable)
    // The service's own role, not the superuser; the password goes in PGPASSWORD, so it
    // needs no URL-encoding whatever it holds.
    expect(api?.environment?.DATABASE_URL).toBe('postgres://registration@db:5432/registration?sslmode=disable')
    expect(api?.environment?.PGPASSWORD).toBe('registration')
    expect(compose.services.db?.environment?.POSTGRES_USER).toBe('postgres')
    expect(compose.services.db?.environment?.APP_DB_USER).toBe('registration')
    // The suite inside the container uses a database of its own, never the service's.
    expect(api?.environment?.TEST_DATABASE_URL).toBe(
      'postgres://registration@db:5432/registration_test?sslmode=disable',
    )
    // Longer than the service's worst shutdown: 10 s of in-flight requests, 5 s for the pool.
    expect(Number.parseInt(api?.stop_grace_period ?? '0', 10)).toBeGreaterThanOrEqual(20)
    // No key is committed: it comes from the operator's environment or .env.
    expect(api?.environment?.MAILJET_API_KEY ?? '').toBe('')
  })

  test('db: pinned postgres, named volume, pg_isready healthcheck, the app role and test database made at init', async () => {
    const db = compose.services.db
    expect(db?.image).toMatch(/^postgres:\d+/)
    expect(db?.volumes).toContain('db-data:/var/lib/postgresql/data')
    expect(Object.keys(compose.volumes)).toContain('db-data')
    expect(db?.healthcheck?.test.join(' ')).toContain('pg_isready')
    const init = await read('docker/db/init/01-app-role.sh')
    expect(init).toContain('NOSUPERUSER')
    expect(init).toContain('ALTER DATABASE :"db" OWNER TO :"app_user"')
    expect(init).toContain('CREATE DATABASE registration_test OWNER :"app_user"')
  })

  test('pgadmin: default login, the database registered from a mounted servers.json', async () => {
    const pgadmin = compose.services.pgadmin
    expect(pgadmin?.image).toMatch(/^dpage\/pgadmin4:\d+/)
    expect(pgadmin?.environment?.PGADMIN_DEFAULT_EMAIL).toBe('pgadmin4@pgadmin.org')
    expect(pgadmin?.environment?.PGADMIN_DEFAULT_PASSWORD).toBe('admin')
    const jsonPath = pgadmin?.environment?.PGADMIN_SERVER_JSON_FILE
    expect(pgadmin?.configs).toEqual([{ source: 'pgadmin-servers', target: jsonPath ?? '' }])
    // Written from the database's own variables, so a changed user or database name follows.
    const raw = await read('docker-compose.yml')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default}
    expect(raw).toContain('"MaintenanceDB": "${POSTGRES_DB:-registration}"')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default}
    expect(raw).toContain('"Username": "${POSTGRES_USER:-postgres}"')
    const servers = JSON.parse(compose.configs['pgadmin-servers']?.content ?? '{}').Servers
    expect(Object.values(servers)).toContainEqual(
      expect.objectContaining({ Host: 'db', Port: 5432, Username: 'postgres', MaintenanceDB: 'registration' }),
    )
  })

  // `configs: content` needs Compose v2 (the plugin); .ci/compose-check has it.
  const composeV2 =
    Bun.which('docker') !== null &&
    Bun.spawnSync(['docker', 'compose', 'version'], { stdout: 'ignore', stderr: 'ignore' }).exitCode === 0
  test.skipIf(!composeV2)('passes `docker compose config`', async () => {
    const child = Bun.spawn(['docker', 'compose', 'config', '-q'], { cwd: ROOT, stderr: 'pipe' })
    expect(await child.exited).toBe(0)
  })
  if (!composeV2) console.log('skipped `docker compose config`: Docker Compose v2 is not installed')
})

describe.skipIf(!inRepository)('Dockerfile', () => {
  test('no `# syntax=` line: BuildKit would fetch a frontend image from Docker Hub for it', async () => {
    expect(await read('Dockerfile')).not.toMatch(/^# *syntax=/m)
  })

  test('multi-stage on the pinned Bun image, production dependencies only, non-root, healthcheck', async () => {
    const text = await read('Dockerfile')
    const bunVersion = (await Bun.file(join(ROOT, 'package.json')).json()).packageManager.replace('bun@', '')
    expect(text).toContain(`ARG BUN_VERSION=${bunVersion}`)
    expect(text.match(/^FROM oven\/bun:\$\{BUN_VERSION\}\S* AS \w+$/gm)).toHaveLength(2)
    expect(text).toMatch(/bun install --frozen-lockfile --production/)
    // The patched dependency's patch must be there when bun install runs.
    expect(text.indexOf('COPY patches ./patches')).toBeGreaterThan(-1)
    expect(text.indexOf('COPY patches ./patches')).toBeLessThan(text.indexOf('RUN bun install'))
    const user = /^USER (\S+)$/m.exec(text)?.[1]
    expect(user).toBeDefined()
    expect(['root', '0']).not.toContain(user)
    expect(text).toMatch(/^EXPOSE 8008$/m)
    expect(text).toMatch(/^HEALTHCHECK .*src\/cli\/healthcheck\.ts/m)
    expect(text).toMatch(/^COPY tests \.\/tests$/m)
  })

  test('.dockerignore keeps local state out of the build', async () => {
    const ignored = (await read('.dockerignore')).split('\n')
    for (const entry of ['.data', 'node_modules', '.git']) expect(ignored).toContain(entry)
  })
})

describe.skipIf(!inRepository)('.env.example', () => {
  test('documents every variable the app reads', async () => {
    const documented = [...(await read('.env.example')).matchAll(/^#? ?([A-Z0-9_]+)=/gm)].map((m) => m[1])
    for (const variable of CONFIG_VARIABLES) expect(documented).toContain(variable)
  })
})
