import { EmbeddedDatabaseError } from '../db/embedded'
import { DatabaseUnreachableError } from '../db/preflight'
import { PortInUseError } from '../os/port'

/**
 * Failures a user can act on end a command with one line and exit 1; anything else
 * is a bug and keeps its stack trace.
 */
export function exitOnFailure(error: unknown): never {
  if (
    error instanceof EmbeddedDatabaseError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof PortInUseError
  ) {
    console.error(`error: ${error.message}`)
    process.exit(1)
  }
  throw error
}
