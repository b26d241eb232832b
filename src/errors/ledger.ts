import type { OperationFaultReason } from './codes.js'
import { GridError } from './grid-error.js'

// Failures of a ledger: a refused submission, an outage, a closed handle, corrupt data, a refused writer, a height not reached yet.

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
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#anchoring
 */
export class LedgerRejectedError extends GridError {
  static readonly code = 'ERR_GRID_LEDGER_REJECTED'
  declare readonly code: typeof LedgerRejectedError.code

  readonly rejected: readonly RejectedOperation[]

  constructor(message: string, rejected: readonly RejectedOperation[], options?: { cause?: unknown }) {
    super(LedgerRejectedError.code, message, options)
    this.rejected = rejected
  }
}

/**
 * The ledger could not be reached or failed while reading or writing. Never means "not found".
 * @example A resolver turns this into `didResolutionMetadata.error === 'internalError'`.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export class LedgerUnavailableError extends GridError {
  static readonly code = 'ERR_GRID_LEDGER_UNAVAILABLE'
  declare readonly code: typeof LedgerUnavailableError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(LedgerUnavailableError.code, message, options)
  }
}

/**
 * The ledger handle was closed.
 * @example `await ledger.close(); await ledger.head()` throws this.
 */
export class LedgerClosedError extends GridError {
  static readonly code = 'ERR_GRID_LEDGER_CLOSED'
  declare readonly code: typeof LedgerClosedError.code

  constructor(message = 'the ledger is closed') {
    super(LedgerClosedError.code, message)
  }
}

/**
 * Stored ledger data failed an integrity check (e.g. a batch's Merkle root does not match).
 * @example Opening a store whose schema version is from the future throws this.
 */
export class LedgerCorruptError extends GridError {
  static readonly code = 'ERR_GRID_LEDGER_CORRUPT'
  declare readonly code: typeof LedgerCorruptError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(LedgerCorruptError.code, message, options)
  }
}

/**
 * The ledger refuses this writer: the chain adapter has no account, or its account is not on the
 * registry's writer allow-list. Nothing was anchored; an admin must add the account.
 * @example `await new EvmLedger({ rpc, registry }).submit(ops)` (no `account`) throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#evm-registry
 */
export class LedgerForbiddenError extends GridError {
  static readonly code = 'ERR_GRID_LEDGER_FORBIDDEN'
  declare readonly code: typeof LedgerForbiddenError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(LedgerForbiddenError.code, message, options)
  }
}

/**
 * A read pinned to a ledger height above what this node has finalized. The answer is not known
 * yet: it is neither "not found" nor a denial. Retry once the node has caught up.
 * @example `checkRole(vp, requirement, { height: head + 5, … })` throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#the-role-check
 */
export class HeightNotReachedError extends GridError {
  static readonly code = 'ERR_GRID_HEIGHT_NOT_REACHED'
  declare readonly code: typeof HeightNotReachedError.code

  readonly height: number
  readonly finalizedHeight: number

  constructor(height: number, finalizedHeight: number) {
    super(HeightNotReachedError.code, `ledger height ${height} is above the finalized height ${finalizedHeight}`)
    this.height = height
    this.finalizedHeight = finalizedHeight
  }
}
