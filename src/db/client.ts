import postgres from 'postgres'

export type Sql = postgres.Sql
/** Anything a statement can run on: the pool or an open transaction. */
export type Executor = postgres.Sql | postgres.TransactionSql

export function connect(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // The service owns its time (see clock.ts); keep PostgreSQL's session in UTC too.
    connection: { TimeZone: 'UTC', application_name: 'registration-api' },
  })
}

export async function transaction<T>(sql: Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await sql.begin(work)) as T
}
