import { describe, expect, test } from 'bun:test'
import { dirname, join } from 'node:path'

interface PostgresQueue<T> {
  readonly length: number
  push(x: T): T
  shift(): T | undefined
  remove(x: T): T | null
}

// The driver's internal queue, beside the entry Bun loads (not in the package's exports).
const driverDir = dirname(Bun.resolveSync('postgres', import.meta.dir))
const { default: Queue } = (await import(join(driverDir, 'queue.js'))) as {
  default: <T>(initial?: T[]) => PostgresQueue<T>
}

/** The lengths of the arrays `work` calls indexOf on: how remove() sees the queue's backing array. */
function indexOfLengths(work: () => void): number[] {
  const lengths: number[] = []
  const original = Array.prototype.indexOf
  Array.prototype.indexOf = function (this: unknown[], ...args: Parameters<typeof original>) {
    lengths.push(this.length)
    return original.apply(this, args)
  }
  try {
    work()
  } finally {
    Array.prototype.indexOf = original
  }
  return lengths
}

// postgres.js 3.4.9 resets a queue's array only when the queue empties; under
// constant load it never does, so the array grows without bound and remove()
// scans it: throughput decays (porsager/postgres#747). patches/postgres@3.4.9.patch
// trims it; without the patch these tests fail.
describe('the patched postgres.js queue', () => {
  test('keeps its backing array bounded when it never empties', () => {
    const queue = Queue<number>([0])
    for (let i = 1; i <= 100_000; i += 1) {
      queue.push(i)
      queue.shift()
    }
    const lengths = indexOfLengths(() => expect(queue.remove(100_000)).toBe(100_000))
    expect(lengths).toHaveLength(1)
    expect(lengths[0]).toBeLessThan(1_000)
    expect(queue.length).toBe(0)
  })

  test('still behaves as a FIFO queue with removal', () => {
    const queue = Queue<number>()
    const model: number[] = []
    for (let i = 0; i < 20_000; i += 1) {
      queue.push(i)
      model.push(i)
      if (i % 3 === 0) expect(queue.shift()).toBe(model.shift() as number)
      if (i % 7 === 0 && model.length > 2) {
        const victim = model[1] as number
        expect(queue.remove(victim)).toBe(victim)
        model.splice(1, 1)
      }
      expect(queue.length).toBe(model.length)
    }
    expect(queue.remove(-1)).toBeNull()
    while (model.length) expect(queue.shift()).toBe(model.shift() as number)
  })
})
