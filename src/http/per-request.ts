/**
 * Memoizes `work` for one request: the authentication gates run in the transform
 * step (before the body is validated) and again for `resolve`, and a gate that
 * depends on another (Basic on the API key) awaits the same promise, so each
 * check happens once, in the contract's order, whichever route option comes first.
 */
export function perRequest<T>(work: (request: Request) => Promise<T>): (request: Request) => Promise<T> {
  const results = new WeakMap<Request, Promise<T>>()
  return (request) => {
    let result = results.get(request)
    if (!result) {
      result = work(request)
      // Awaited by the gate itself; this only keeps a refusal from being reported as unhandled.
      result.catch(() => {})
      results.set(request, result)
    }
    return result
  }
}
