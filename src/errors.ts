/**
 * Every error this package throws on purpose is a {@link GridError} subclass with a stable `code`,
 * so callers can `switch (err.code)`. Resolution never throws: it reports these conditions as
 * `didResolutionMetadata.error` instead (DID Resolution §Errors).
 *
 * @see ../spec/did-grid.md#errors
 */

/**
 * Every error code of the package, a closed union, so `switch (err.code)` narrows and a typo does not
 * compile. Each code thrown is the `static code` of one {@link GridError} subclass (of this file, or
 * of the CLI's `cli/errors.ts`); the last group is only ever the `error` member of an attestor
 * service's problem answer. The spec's error table lists exactly these (test/spec-codes.test.ts).
 * @see ../spec/did-grid.md#errors
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
  // The CLI's (src/cli/errors.ts).
  | 'ERR_GRID_USAGE'
  | 'ERR_GRID_CLI'
  | 'ERR_GRID_HOME_NOT_FOUND'
  | 'ERR_GRID_KEYSTORE_MISMATCH'
  | 'ERR_GRID_KEYSTORE_PARAMS'
  | 'ERR_GRID_HOME_LOCKED'
  | 'ERR_GRID_TRUST_REGISTRY_EXISTS'
  // Answered by the attestor service only (src/gate/attestor-handler.ts), never thrown.
  | 'ERR_GRID_BAD_REQUEST'
  | 'ERR_GRID_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_GRID_BODY_TOO_LARGE'
  | 'ERR_GRID_NOT_FOUND'
  | 'ERR_GRID_METHOD_NOT_ALLOWED'
  | 'ERR_GRID_INTERNAL'

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
  /** Stable, machine-readable code (`ERR_GRID_…`); a subclass's is its `static code`. */
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
  static readonly code = 'ERR_GRID_INVALID_DID'
  declare readonly code: typeof InvalidDidError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidDidError.code, message, options)
  }
}

/**
 * A string is not a valid `did:grid` DID URL (path, query or fragment is malformed).
 * @example `parseDidUrl('did:grid:main:…#bad fragment')` throws this.
 * @see ../spec/did-grid.md#did-urls
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
 * @see ../spec/did-grid.md#keys
 */
export class InvalidKeyError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_KEY'
  declare readonly code: typeof InvalidKeyError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidKeyError.code, message, options)
  }
}

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

/**
 * An operation is malformed, oversized, badly signed or does not apply to the current state.
 * `reason` says which rule it broke.
 * @example `decodeOperation(bytes)` throws this with `reason: 'bad-signature'` for a forged operation.
 * @see ../spec/did-grid.md#operations
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
 * @see ../spec/did-grid.md#resolution
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
 * @see ../spec/did-grid.md#evm-registry
 */
export class LedgerForbiddenError extends GridError {
  static readonly code = 'ERR_GRID_LEDGER_FORBIDDEN'
  declare readonly code: typeof LedgerForbiddenError.code

  constructor(message: string, options?: { cause?: unknown }) {
    super(LedgerForbiddenError.code, message, options)
  }
}

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

/**
 * No DID-linked resource exists at the URL, or none matches the version selector.
 * @example `await resolver.resolveResource(`${did}/resources/missing`)` throws this.
 * @see ../spec/did-grid.md#did-linked-resources
 */
export class ResourceNotFoundError extends GridError {
  static readonly code = 'ERR_GRID_RESOURCE_NOT_FOUND'
  declare readonly code: typeof ResourceNotFoundError.code

  constructor(url: string, selector?: string) {
    super(ResourceNotFoundError.code, selector ? `${url} has no version matching ${selector}` : `${url} was not found on the ledger`)
  }
}

/**
 * A read pinned to a ledger height above what this node has finalized. The answer is not known
 * yet: it is neither "not found" nor a denial. Retry once the node has caught up.
 * @example `checkRole(vp, requirement, { height: head + 5, … })` throws this.
 * @see ../spec/did-grid.md#the-role-check
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

/**
 * A resource version could not be anchored because other writers kept changing the resource first.
 * Nothing was lost: the ledger holds their versions; retry with the new latest version.
 * @example Two services revoking in the same status list at once may see this after three attempts.
 * @see ../spec/did-grid.md#did-linked-resources
 */
export class ResourceConflictError extends GridError {
  static readonly code = 'ERR_GRID_RESOURCE_CONFLICT'
  declare readonly code: typeof ResourceConflictError.code

  constructor(url: string) {
    super(ResourceConflictError.code, `${url} changed under concurrent writers; retry`)
  }
}

/**
 * Claims do not match their role's JSON Schema (checked before anything is signed).
 * `errors` lists each violation as `/path: message`.
 * @example `issueRoleCredential({ role: 'aggregator', claims: { unifiedSocialCreditCode: 'bad', … } })` throws this.
 * @see ../spec/did-grid.md#role-credentials
 */
export class InvalidClaimsError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_CLAIMS'
  declare readonly code: typeof InvalidClaimsError.code

  readonly errors: readonly string[]

  constructor(kind: string, errors: readonly string[]) {
    super(InvalidClaimsError.code, `${kind} claims do not match the schema: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`)
    this.errors = errors
  }
}

/**
 * A credential given to an issuer-side operation (revoke, suspend, reinstate) is not one this issuer
 * can change: not a JWT, another issuer's, or without status entries in this issuer's lists.
 * @example `registry.revoke(someoneElsesJwt)` throws this.
 * @see ../spec/did-grid.md#status-lists
 */
export class InvalidCredentialError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_CREDENTIAL'
  declare readonly code: typeof InvalidCredentialError.code

  constructor(message: string) {
    super(InvalidCredentialError.code, message)
  }
}

/**
 * An attestor refused to sign a role decision: the role check denied at that height (or the
 * presentation is bound to no terms). `reasons` are the denial's reason codes and messages, as
 * {@link checkRole} reports them; nothing was signed. A decision, not an outage.
 * @example `attestRole({ presentation: vpWithRevokedCredential, … })` throws this with a `status-revoked` reason.
 * @see ../spec/did-grid.md#role-checks-on-chain--attestations
 */
export class AttestationRefusedError extends GridError {
  static readonly code = 'ERR_GRID_ATTESTATION_REFUSED'
  declare readonly code: typeof AttestationRefusedError.code

  readonly reasons: readonly { readonly code: string; readonly message: string }[]
  /** The ledger height the refused decision was taken at. */
  readonly height: number

  constructor(reasons: readonly { readonly code: string; readonly message: string }[], height: number) {
    super(AttestationRefusedError.code, `the role check at height ${height} denied: ${reasons.map((r) => r.code).join(', ') || 'no reason given'}`)
    this.reasons = reasons
    this.height = height
  }
}
