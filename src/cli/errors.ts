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

/** The home a read-only command or `serve` names does not exist: exit code 1, one line naming the path. */
export class HomeNotFoundError extends GridError {
  constructor(path: string) {
    super('ERR_GRID_HOME_NOT_FOUND', `no grid-did home at ${path} (check --home or $GRID_DID_HOME; a command that writes, such as "did create", makes one)`)
  }
}
