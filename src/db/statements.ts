import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { type Executor, guardOf } from './client'

type Params = readonly unknown[]

/** Statements running or waiting for a pooled connection: the pool's load, for /metrics. */
export const queriesInFlight = { count: 0 }

/**
 * One SQL file, read once at start and run as a prepared statement. The helpers
 * assert how many rows come back, so a wrong WHERE clause fails loudly.
 */
export class Statement {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /**
   * `prepare: false` runs the statement unnamed, so PostgreSQL plans each call
   * with its own values: for a query whose best index depends on them.
   */
  async many<T>(db: Executor, params: Params = [], options: { prepare?: boolean } = {}): Promise<T[]> {
    queriesInFlight.count += 1
    try {
      // postgres.js types unsafe() params loosely; our values are plain JSON-like scalars.
      const query = db.unsafe(this.text, params as never[], { prepare: options.prepare ?? true })
      // Past the deadline, a query still waiting for a connection is taken out of the queue;
      // one already sent is stopped by PostgreSQL's statement_timeout.
      const abandon = () => void ((query as unknown as { state: unknown }).state ?? query.cancel())
      return (await guardOf(db).within(query, abandon)) as unknown as T[]
    } finally {
      queriesInFlight.count -= 1
    }
  }

  async maybeOne<T>(db: Executor, params: Params = []): Promise<T | undefined> {
    const rows = await this.many<T>(db, params)
    if (rows.length > 1) throw new Error(`${this.name} returned ${rows.length} rows, expected at most one`)
    return rows[0]
  }

  async one<T>(db: Executor, params: Params = []): Promise<T> {
    const row = await this.maybeOne<T>(db, params)
    if (row === undefined) throw new Error(`${this.name} returned no row, expected one`)
    return row
  }
}

export class Statements {
  private constructor(private readonly byName: Map<string, Statement>) {}

  /** Reads every `.sql` file under `dir`; a statement is named by its path, e.g. `users/insert_user`. */
  static async load(dir: string): Promise<Statements> {
    const byName = new Map<string, Statement>()
    for (const file of await readdir(dir, { recursive: true })) {
      if (!file.endsWith('.sql')) continue
      const name = relative(dir, join(dir, file)).replace(/\.sql$/, '')
      byName.set(name, new Statement(name, await Bun.file(join(dir, file)).text()))
    }
    return new Statements(byName)
  }

  get(name: string): Statement {
    const statement = this.byName.get(name)
    if (!statement) throw new Error(`No SQL file for statement ${name}`)
    return statement
  }
}

export const QUERIES_DIR = join(import.meta.dir, '../../sql/queries')
