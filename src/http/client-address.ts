import type { Server } from 'bun'

/**
 * Who is asking, for limits per client: the socket's address, or with
 * TRUST_PROXY=true the first X-Forwarded-For hop (the client as the proxy saw
 * it). Only trust that header behind a proxy that sets it: a client can write it.
 */
export function clientAddress(request: Request, server: Server<unknown> | null, trustProxy: boolean): string {
  if (trustProxy) {
    const first = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
    if (first) return first
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}
