import type { OperationFaultReason } from './codes.js'
import { GridError } from './grid-error.js'

// Malformed input: a DID, a DID URL, key material or an operation that breaks a rule.

/**
 * A string is not a valid `did:grid` DID.
 * @example `parseDid('did:grid:Main:abc')` throws this with a message naming the bad part.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#identifier-syntax
 */
export class InvalidDidError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_DID'
  declare readonly code: typeof InvalidDidError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidDidError.code, message, options)
  }
}

/**
 * A string is not a valid `did:grid` DID URL (path, query or fragment is malformed).
 * @example `parseDidUrl('did:grid:main:…#bad fragment')` throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-urls
 */
export class InvalidDidUrlError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_DID_URL'
  declare readonly code: typeof InvalidDidUrlError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidDidUrlError.code, message, options)
  }
}

/**
 * Key material is malformed: wrong multibase, wrong multicodec, non-canonical or small-order point.
 * @example `decodeMultikey('z6LS…')` where an Ed25519 key is required throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#keys
 */
export class InvalidKeyError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_KEY'
  declare readonly code: typeof InvalidKeyError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidKeyError.code, message, options)
  }
}

/**
 * An operation is malformed, oversized, badly signed or does not apply to the current state.
 * `reason` says which rule it broke.
 * @example `decodeOperation(bytes)` throws this with `reason: 'bad-signature'` for a forged operation.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#operations
 */
export class InvalidOperationError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_OPERATION'
  declare readonly code: typeof InvalidOperationError.code

  readonly reason: OperationFaultReason

  constructor(reason: OperationFaultReason, message: string, options?: { cause?: unknown }) {
    super(InvalidOperationError.code, message, options)
    this.reason = reason
  }
}
