import { afterAll } from 'bun:test'
import { startTestDatabase } from './support/database'

// One real PostgreSQL for the whole run; each test isolates itself with servers of its own.
const database = await startTestDatabase()
console.log(`test database: ${database.source}`)

afterAll(() => database.stop())
