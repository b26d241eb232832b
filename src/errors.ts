/**
 * Every error this package throws on purpose is a {@link GridError} subclass with a stable `code`,
 * so callers can `switch (err.code)`. Resolution never throws: it reports these conditions as
 * `didResolutionMetadata.error` instead (DID Resolution §Errors). One catalogue of codes
 * (`errors/codes.ts`); the classes grouped by what failed, one file a group.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#errors
 */
export type { GridErrorCode, OperationFaultReason } from './errors/codes.js'
export { GridError } from './errors/grid-error.js'
export { InvalidDidError, InvalidDidUrlError, InvalidKeyError, InvalidOperationError } from './errors/invalid-input.js'
export {
  LedgerRejectedError,
  LedgerUnavailableError,
  LedgerClosedError,
  LedgerCorruptError,
  LedgerForbiddenError,
  HeightNotReachedError,
  type RejectedOperation,
} from './errors/ledger.js'
export { DidNotFoundError, DidDeactivatedError, UnknownNetworkError } from './errors/did.js'
export { ResourceNotFoundError, ResourceConflictError } from './errors/resource.js'
export { InvalidClaimsError, InvalidCredentialError, AttestationRefusedError } from './errors/credentials.js'
export { DependencyMissingError } from './errors/dependency.js'
