import { GridError } from '../errors.js'

/** A mistake in how the command was called: exit code 2, one line, no stack. */
export class UsageError extends GridError {
  static readonly code = 'ERR_GRID_USAGE'
  declare readonly code: typeof UsageError.code

  constructor(message: string) {
    super(UsageError.code, message)
  }
}

/** An expected failure of a command (bad passphrase, missing file, denied check): exit code 1, one line. */
export class CliError extends GridError {
  static readonly code = 'ERR_GRID_CLI'
  declare readonly code: typeof CliError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(CliError.code, message, options)
  }
}

/** The home a read-only command or `serve` names does not exist: exit code 1, one line naming the path. */
export class HomeNotFoundError extends GridError {
  static readonly code = 'ERR_GRID_HOME_NOT_FOUND'
  declare readonly code: typeof HomeNotFoundError.code

  constructor(path: string) {
    super(
      HomeNotFoundError.code,
      `no grid-did home at ${path} (check --home or $GRID_DID_HOME; a command that writes, such as "did create", makes one)`,
    )
  }
}

/**
 * A keystore file that must not be used: its readable public key or address is not the one of its
 * secret (`ERR_GRID_KEYSTORE_MISMATCH`: the file was altered), or it asks for KDF parameters outside
 * the accepted bounds (`ERR_GRID_KEYSTORE_PARAMS`, refused before scrypt runs). Exit code 1.
 */
export class KeystoreError extends GridError {
  /** The class's two codes (it has no single `static code`): an altered file, or bounds refused. */
  static readonly codes = ['ERR_GRID_KEYSTORE_MISMATCH', 'ERR_GRID_KEYSTORE_PARAMS'] as const
  declare readonly code: (typeof KeystoreError.codes)[number]

  constructor(code: (typeof KeystoreError.codes)[number], message: string) {
    super(code, message)
  }
}

/**
 * Another command is writing to the same home and did not finish within the wait
 * (`$GRID_DID_LOCK_WAIT`). Nothing was done; run the command again. Exit code 1.
 */
export class HomeLockedError extends GridError {
  static readonly code = 'ERR_GRID_HOME_LOCKED'
  declare readonly code: typeof HomeLockedError.code

  constructor(dir: string, waitedMs: number) {
    super(
      HomeLockedError.code,
      `the home ${dir} is in use by another grid-did command that writes to it (waited ${Math.round(waitedMs / 1000)} s; $GRID_DID_LOCK_WAIT sets how long); run this one again when it has finished`,
    )
  }
}

/**
 * `trust init` on a utility that already has a trust registry: re-publishing one that names only
 * the utility would drop every issuer `trust add` trusted (and deny their valid credentials
 * `issuer-untrusted`). Nothing was anchored. `trust add` changes the registry; `trust init --force`
 * replaces it. Exit code 1.
 */
export class TrustRegistryExistsError extends GridError {
  static readonly code = 'ERR_GRID_TRUST_REGISTRY_EXISTS'
  declare readonly code: typeof TrustRegistryExistsError.code

  constructor(url: string) {
    super(
      TrustRegistryExistsError.code,
      `${url} already exists; "trust init" would replace it with one naming only the utility, dropping the issuers "trust add" added (use "trust add" to change it, or "trust init --force" to replace it)`,
    )
  }
}

/**
 * `grid-did serve`'s configuration is missing or wrong (no network to serve, an unknown key or a bad
 * value in the config file or an environment variable): refused at start, never a 501 at request
 * time. Exit code 1.
 */
export class ConfigError extends GridError {
  static readonly code = 'ERR_GRID_CONFIG'
  declare readonly code: typeof ConfigError.code

  constructor(message: string) {
    super(ConfigError.code, message)
  }
}

/**
 * `serve`, `attest serve` or `chain` could not listen: another process holds the port
 * (`EADDRINUSE`). Nothing is listening; `--port` picks another (0: any free port). Exit code 1.
 */
export class PortInUseError extends GridError {
  static readonly code = 'ERR_GRID_PORT_IN_USE'
  declare readonly code: typeof PortInUseError.code

  constructor(address: string, options?: { cause?: unknown }) {
    super(PortInUseError.code, `${address} is already in use: pass --port N for another port (--port 0: any free port)`, options)
  }
}
