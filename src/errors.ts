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
  | 'ERR_GRID_LEDGER_FORBIDDEN'
  | 'ERR_GRID_DID_NOT_FOUND'
  | 'ERR_GRID_DID_DEACTIVATED'
  | 'ERR_GRID_UNKNOWN_NETWORK'
  | 'ERR_GRID_RESOURCE_NOT_FOUND'
  | 'ERR_GRID_HEIGHT_NOT_REACHED'
  | 'ERR_GRID_RESOURCE_CONFLICT'
  | 'ERR_GRID_INVALID_CLAIMS'
  | 'ERR_GRID_INVALID_CREDENTIAL'
  | 'ERR_GRID_HOME_NOT_FOUND'
  | 'ERR_GRID_KEYSTORE_MISMATCH'
  | 'ERR_GRID_KEYSTORE_PARAMS'
  | 'ERR_GRID_HOME_LOCKED'
  | 'ERR_GRID_TRUST_REGISTRY_EXISTS'
  | 'ERR_GRID_ATTESTATION_REFUSED'
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
  | 'type-changed'
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
 * The ledger refuses this writer: the chain adapter has no account, or its account is not on the
 * registry's writer allow-list. Nothing was anchored; an admin must add the account.
 * @example `await new EvmLedger({ rpc, registry }).submit(ops)` (no `account`) throws this.
 * @see ../spec/did-grid.md#evm-registry
 */
export class LedgerForbiddenError extends GridError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GRID_LEDGER_FORBIDDEN', message, options)
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

/**
 * No DID-linked resource exists at the URL, or none matches the version selector.
 * @example `await resolver.resolveResource(`${did}/resources/missing`)` throws this.
 * @see ../spec/did-grid.md#did-linked-resources
 */
export class ResourceNotFoundError extends GridError {
  constructor(url: string, selector?: string) {
    super('ERR_GRID_RESOURCE_NOT_FOUND', selector ? `${url} has no version matching ${selector}` : `${url} was not found on the ledger`)
  }
}

/**
 * A read pinned to a ledger height above what this node has finalized. The answer is not known
 * yet: it is neither "not found" nor a denial. Retry once the node has caught up.
 * @example `checkRole(vp, requirement, { height: head + 5, … })` throws this.
 * @see ../spec/did-grid.md#the-role-check
 */
export class HeightNotReachedError extends GridError {
  readonly height: number
  readonly finalizedHeight: number

  constructor(height: number, finalizedHeight: number) {
    super('ERR_GRID_HEIGHT_NOT_REACHED', `ledger height ${height} is above the finalized height ${finalizedHeight}`)
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
  constructor(url: string) {
    super('ERR_GRID_RESOURCE_CONFLICT', `${url} changed under concurrent writers; retry`)
  }
}

/**
 * Claims do not match their role's JSON Schema (checked before anything is signed).
 * `errors` lists each violation as `/path: message`.
 * @example `issueRoleCredential({ role: 'aggregator', claims: { unifiedSocialCreditCode: 'bad', … } })` throws this.
 * @see ../spec/did-grid.md#role-credentials
 */
export class InvalidClaimsError extends GridError {
  readonly errors: readonly string[]

  constructor(kind: string, errors: readonly string[]) {
    super('ERR_GRID_INVALID_CLAIMS', `${kind} claims do not match the schema: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`)
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
  constructor(message: string) {
    super('ERR_GRID_INVALID_CREDENTIAL', message)
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
  readonly reasons: readonly { readonly code: string; readonly message: string }[]
  /** The ledger height the refused decision was taken at. */
  readonly height: number

  constructor(reasons: readonly { readonly code: string; readonly message: string }[], height: number) {
    super('ERR_GRID_ATTESTATION_REFUSED', `the role check at height ${height} denied: ${reasons.map((r) => r.code).join(', ') || 'no reason given'}`)
    this.reasons = reasons
    this.height = height
  }
}
