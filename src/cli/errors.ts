import { GridError } from '../errors.js'

/** A mistake in how the command was called: exit code 2, one line, no stack. */
export class UsageError extends GridError {
  constructor(message: string) {
    super('ERR_GRID_USAGE', message)
  }
}

/** An expected failure of a command (bad passphrase, missing file, denied check): exit code 1, one line. */
export class CliError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_CLI', message, options)
  }
}
