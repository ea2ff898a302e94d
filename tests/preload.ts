import { afterAll } from 'bun:test'
import { isKnownStartFailure, startTestDatabase, type TestDatabase } from './support/database'

/** Whatever goes wrong, the run ends within a minute: each part has its own, shorter, bound too. */
const START_BOUND_MS = 55_000

// One real PostgreSQL for the whole run; each test isolates itself with servers of its own.
let timer: Timer | undefined
const database = await Promise.race([
  startTestDatabase(),
  new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no test database within ${START_BOUND_MS / 1000} s; try TEST_DATABASE=embedded`)),
      START_BOUND_MS,
    )
  }),
]).then(
  (started: TestDatabase) => {
    clearTimeout(timer)
    return started
  },
  (error: unknown) => {
    // One line and exit 1 (the exit hooks stop what was started), not the same stack trace in every file.
    console.error(`test database: ${isKnownStartFailure(error) ? error.message : String(error)}`)
    process.exit(1)
  },
)
console.log(`test database: ${database.source}`)

afterAll(() => database.stop())
