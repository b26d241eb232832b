/**
 * Every error this package throws on purpose is a {@link GridError} subclass with a stable `code`,
 * so callers can `switch (err.code)`. Resolution never throws: it reports these conditions as
 * `didResolutionMetadata.error` instead (DID Resolution §Errors).
 *
 * @see ../spec/did-grid.md#errors
 */

/** Stable error codes. Open enum: later versions may add codes. */
export type GridErrorCode =
  | 'ERR_GRID_INVALID_DID'
  | 'ERR_GRID_INVALID_DID_URL'
  | 'ERR_GRID_INVALID_KEY'
  | 'ERR_GRID_INVALID_OPERATION'
  | 'ERR_GRID_LEDGER_REJECTED'
  | 'ERR_GRID_LEDGER_UNAVAILABLE'
  | 'ERR_GRID_LEDGER_CLOSED'
  | 'ERR_GRID_LEDGER_CORRUPT'
  | 'ERR_GRID_DID_NOT_FOUND'
  | 'ERR_GRID_DID_DEACTIVATED'
  | 'ERR_GRID_UNKNOWN_NETWORK'
  | (string & {})

/**
 * Base class of every error thrown on purpose by grid-did.
 *
 * @example
 * ```ts
 * try { parseDid(input) } catch (err) {
 *   if (err instanceof GridError && err.code === 'ERR_GRID_INVALID_DID') console.error(err.message)
 * }
 * ```
 * @see ../spec/did-grid.md#errors
 */
export class GridError extends Error {
  /** Stable, machine-readable code (`ERR_GRID_…`). */
  readonly code: GridErrorCode

  constructor(code: GridErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/**
 * A string is not a valid `did:grid` DID.
 * @example `parseDid('did:grid:Main:abc')` throws this with a message naming the bad part.
 * @see ../spec/did-grid.md#identifier-syntax
 */
export class InvalidDidError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_INVALID_DID', message, options)
  }
}

/**
 * A string is not a valid `did:grid` DID URL (path, query or fragment is malformed).
 * @example `parseDidUrl('did:grid:main:…#bad fragment')` throws this.
 * @see ../spec/did-grid.md#did-urls
 */
export class InvalidDidUrlError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_INVALID_DID_URL', message, options)
  }
}

/**
 * Key material is malformed: wrong multibase, wrong multicodec, non-canonical or small-order point.
 * @example `decodeMultikey('z6LS…')` where an Ed25519 key is required throws this.
 * @see ../spec/did-grid.md#keys
 */
export class InvalidKeyError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_INVALID_KEY', message, options)
  }
}

/** Why an operation was refused or skipped. Open enum. */
export type OperationFaultReason =
  | 'malformed'
  | 'oversized'
  | 'non-canonical'
  | 'bad-signature'
  | 'unauthorized'
  | 'wrong-predecessor'
  | 'wrong-did'
  | 'no-create'
  | 'after-deactivation'
  | 'invalid-patch'
  | 'duplicate'
  | (string & {})

/**
 * An operation is malformed, oversized, badly signed or does not apply to the current state.
 * `reason` says which rule it broke.
 * @example `decodeOperation(bytes)` throws this with `reason: 'bad-signature'` for a forged operation.
 * @see ../spec/did-grid.md#operations
 */
export class InvalidOperationError extends GridError {
  readonly reason: OperationFaultReason

  constructor(reason: OperationFaultReason, message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_INVALID_OPERATION', message, options)
    this.reason = reason
  }
}

/** One refused entry of a batch. */
export interface RejectedOperation {
  /** Index of the operation in the submitted batch. */
  index: number
  reason: OperationFaultReason
  message: string
}

/**
 * A ledger refused a submission. Batches are atomic: nothing of the batch was anchored.
 * @example `await ledger.submit([forged])` throws this with `rejected[0].reason === 'bad-signature'`.
 * @see ../spec/did-grid.md#anchoring
 */
export class LedgerRejectedError extends GridError {
  readonly rejected: readonly RejectedOperation[]

  constructor(message: string, rejected: readonly RejectedOperation[], options?: { cause?: unknown }) {
    super('ERR_GRID_LEDGER_REJECTED', message, options)
    this.rejected = rejected
  }
}

/**
 * The ledger could not be reached or failed while reading or writing. Never means "not found".
 * @example A resolver turns this into `didResolutionMetadata.error === 'internalError'`.
 * @see ../spec/did-grid.md#resolution
 */
export class LedgerUnavailableError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_LEDGER_UNAVAILABLE', message, options)
  }
}

/**
 * The ledger handle was closed.
 * @example `await ledger.close(); await ledger.head()` throws this.
 */
export class LedgerClosedError extends GridError {
  constructor(message = 'the ledger is closed') {
    super('ERR_GRID_LEDGER_CLOSED', message)
  }
}

/**
 * Stored ledger data failed an integrity check (e.g. a batch's Merkle root does not match).
 * @example Opening a store whose schema version is from the future throws this.
 */
export class LedgerCorruptError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_LEDGER_CORRUPT', message, options)
  }
}

/**
 * No valid create operation exists for the DID (outside resolution, where this is `notFound`).
 * @example `await resolver.resolveState(unknownDid)` throws this.
 */
export class DidNotFoundError extends GridError {
  constructor(did: string) {
    super('ERR_GRID_DID_NOT_FOUND', `${did} was not found on the ledger`)
  }
}

/**
 * The DID is deactivated; no further operation can apply.
 * @example `update(stateOfDeactivatedDid, …)` throws this.
 */
export class DidDeactivatedError extends GridError {
  constructor(did: string) {
    super('ERR_GRID_DID_DEACTIVATED', `${did} is deactivated`)
  }
}

/**
 * The DID names a network this resolver has no ledger for.
 * @example `await resolver.resolveState('did:grid:other:…')` throws this when only `sgcc` is configured.
 */
export class UnknownNetworkError extends GridError {
  constructor(network: string) {
    super('ERR_GRID_UNKNOWN_NETWORK', `no ledger is configured for the network "${network}"`)
  }
}
