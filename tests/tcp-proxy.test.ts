import { expect, test } from 'bun:test'
import postgres from 'postgres'
import { proxyToTestDatabase } from './support/tcp-proxy'

// The proxy that faults.test.ts cuts must forward everything until then: a socket write
// takes what the kernel accepts, and a dropped rest cut PostgreSQL's messages in two.
test('the cuttable proxy forwards large messages whole, both ways', async () => {
  const { proxy, url } = await proxyToTestDatabase()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const [answer] = await sql<{ v: string }[]>`select repeat('x', 8000000) as v`
    expect(answer?.v.length).toBe(8_000_000)
    const [asked] = await sql<{ n: number }[]>`select length(${'y'.repeat(8_000_000)}::text) as n`
    expect(asked?.n).toBe(8_000_000)
  } finally {
    await sql.end({ timeout: 1 })
    proxy.cut()
  }
}, 20_000)
