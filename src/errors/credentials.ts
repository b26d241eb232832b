import { GridError } from './grid-error.js'

// Credentials and role decisions: claims that do not match their schema, a credential an issuer cannot change, a refused attestation.

/**
 * Claims do not match their role's JSON Schema (checked before anything is signed).
 * `errors` lists each violation as `/path: message`.
 * @example `issueRoleCredential({ role: 'aggregator', claims: { unifiedSocialCreditCode: 'bad', … } })` throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-credentials
 */
export class InvalidClaimsError extends GridError {
  static readonly code = 'ERR_GRID_INVALID_CLAIMS'
  declare readonly code: typeof InvalidClaimsError.code

  readonly errors: readonly string[]

  constructor(kind: string, errors: readonly string[]) {
    super(
      InvalidClaimsError.code,
      `${kind} claims do not match the schema: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`,
    )
    this.errors = errors
  }
}

/**
 * A credential given to an issuer-side operation (revoke, suspend, reinstate) is not one this issuer
 * can change: not a JWT, another issuer's, or without status entries in this issuer's lists.
 * @example `registry.revoke(someoneElsesJwt)` throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#status-lists
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
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export class AttestationRefusedError extends GridError {
  static readonly code = 'ERR_GRID_ATTESTATION_REFUSED'
  declare readonly code: typeof AttestationRefusedError.code

  readonly reasons: readonly { readonly code: string; readonly message: string }[]
  /** The ledger height the refused decision was taken at. */
  readonly height: number

  constructor(reasons: readonly { readonly code: string; readonly message: string }[], height: number) {
    super(
      AttestationRefusedError.code,
      `the role check at height ${height} denied: ${reasons.map((r) => r.code).join(', ') || 'no reason given'}`,
    )
    this.reasons = reasons
    this.height = height
  }
}
