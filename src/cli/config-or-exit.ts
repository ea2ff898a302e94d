import { type Config, ConfigError, parseConfig } from '../config'

/** A bad value stops the start with one line naming the variable, exit 1. */
export function configOrExit(): Config {
  try {
    return parseConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`configuration error: ${error.message}`)
    process.exit(1)
  }
}
