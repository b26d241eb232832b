// The catalogue: every error code of the package, and the reasons an operation is refused for.

/**
 * Every error code of the package, a closed union, so `switch (err.code)` narrows and a typo does not
 * compile. Each code thrown is the `static code` of one {@link GridError} subclass (in `src/errors/`,
 * or the CLI's in `src/cli/errors.ts`); the last group is only ever the `error` member of an attestor
 * service's problem answer. The spec's error table lists exactly these (test/spec-codes.test.ts).
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#errors
 */
export type GridErrorCode =
  | 'ERR_GRID_INVALID_DID'
  | 'ERR_GRID_INVALID_DID_URL'
  | 'ERR_GRID_INVALID_KEY'
  | 'ERR_GRID_INVALID_OPERATION'
  | 'ERR_GRID_LEDGER_REJECTED'
  | 'ERR_GRID_LEDGER_UNAVAILABLE'
  | 'ERR_GRID_LEDGER_CLOSED'
  | 'ERR_GRID_LEDGER_CORRUPT'
  | 'ERR_GRID_LEDGER_FORBIDDEN'
  | 'ERR_GRID_DID_NOT_FOUND'
  | 'ERR_GRID_DID_DEACTIVATED'
  | 'ERR_GRID_UNKNOWN_NETWORK'
  | 'ERR_GRID_RESOURCE_NOT_FOUND'
  | 'ERR_GRID_HEIGHT_NOT_REACHED'
  | 'ERR_GRID_RESOURCE_CONFLICT'
  | 'ERR_GRID_INVALID_CLAIMS'
  | 'ERR_GRID_INVALID_CREDENTIAL'
  | 'ERR_GRID_ATTESTATION_REFUSED'
  | 'ERR_GRID_DEPENDENCY_MISSING'
  // The CLI's (src/cli/errors.ts).
  | 'ERR_GRID_USAGE'
  | 'ERR_GRID_CLI'
  | 'ERR_GRID_HOME_NOT_FOUND'
  | 'ERR_GRID_KEYSTORE_MISMATCH'
  | 'ERR_GRID_KEYSTORE_PARAMS'
  | 'ERR_GRID_HOME_LOCKED'
  | 'ERR_GRID_TRUST_REGISTRY_EXISTS'
  | 'ERR_GRID_CONFIG'
  | 'ERR_GRID_PORT_IN_USE'
  // Answered by the attestor service (src/server/attestor-handler.ts) and the operation log
  // (src/server/operation-log.ts) only, never thrown.
  | 'ERR_GRID_BAD_REQUEST'
  | 'ERR_GRID_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_GRID_BODY_TOO_LARGE'
  | 'ERR_GRID_NOT_FOUND'
  | 'ERR_GRID_METHOD_NOT_ALLOWED'
  | 'ERR_GRID_INTERNAL'

/** Why an operation was refused or skipped: a closed union; the spec's operation fault table lists exactly these. */
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
  | 'type-changed'
