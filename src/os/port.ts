import { describeProcess, portHolder } from './processes'

/** PORT is taken: one line naming the process that holds it, where /proc shows it. */
export class PortInUseError extends Error {
  constructor(port: number) {
    const pid = portHolder(port)
    super(
      `port ${port} is already in use${pid ? ` by ${describeProcess(pid)}` : ''}: stop it, or set PORT to another port`,
    )
  }
}

/**
 * Binds `host:port` the way the service will (no SO_REUSEPORT, so nothing can listen
 * beside a running service) and lets go at once: a taken port fails before anything starts.
 */
export function assertPortFree(host: string, port: number): void {
  if (port === 0) return
  try {
    Bun.serve({ hostname: host, port, reusePort: false, fetch: () => new Response(null, { status: 503 }) }).stop(true)
  } catch {
    throw new PortInUseError(port)
  }
}
