// The container's HEALTHCHECK: exit 0 when /health answers 200 (the database answers too).
import { configOrExit } from './config-or-exit'

const { port } = configOrExit()
const healthy = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4_000) }).then(
  (response) => response.ok,
  () => false,
)
process.exit(healthy ? 0 : 1)
