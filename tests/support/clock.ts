import type { Clock } from '../../src/clock'

/** A clock that stands still until a test moves it: expiry is tested without sleeping. */
export function manualClock(start = new Date()) {
  let now = start.getTime()
  const clock: Clock = () => new Date(now)
  return {
    clock,
    advance(seconds: number) {
      now += seconds * 1000
    },
  }
}
