import { GridError } from './grid-error.js'

// A DID that cannot be acted on: not found, deactivated, or on a network nobody configured.

/**
 * No valid create operation exists for the DID (outside resolution, where this is `notFound`).
 * @example `await resolver.resolveState(unknownDid)` throws this.
 */
export class DidNotFoundError extends GridError {
  static readonly code = 'ERR_GRID_DID_NOT_FOUND'
  declare readonly code: typeof DidNotFoundError.code

  constructor(did: string) {
    super(DidNotFoundError.code, `${did} was not found on the ledger`)
  }
}

/**
 * The DID is deactivated; no further operation can apply.
 * @example `update(stateOfDeactivatedDid, …)` throws this.
 */
export class DidDeactivatedError extends GridError {
  static readonly code = 'ERR_GRID_DID_DEACTIVATED'
  declare readonly code: typeof DidDeactivatedError.code

  constructor(did: string) {
    super(DidDeactivatedError.code, `${did} is deactivated`)
  }
}

/**
 * The DID names a network this resolver has no ledger for.
 * @example `await resolver.resolveState('did:grid:other:…')` throws this when only `sgcc` is configured.
 */
export class UnknownNetworkError extends GridError {
  static readonly code = 'ERR_GRID_UNKNOWN_NETWORK'
  declare readonly code: typeof UnknownNetworkError.code

  constructor(network: string) {
    super(UnknownNetworkError.code, `no ledger is configured for the network "${network}"`)
  }
}
