import type { GridResolver } from '../resolver/resolver.js'

/**
 * What every verification reads: the resolver pinned to a ledger height, the time, and the trust
 * registry. Nothing else — no wall clock, no randomness — so every validator decides alike.
 */
export interface VerificationContext {
  resolver: GridResolver
  /** URL of the utility's trust registry (`<utility>/resources/trust-registry`). */
  trustRegistry: string
  /** The transaction's time, Unix seconds. */
  time: number
  /** The transaction's ledger height: DIDs, status lists, schemas and the registry are read as of it. */
  height: number
  /** Tolerated clock skew in seconds for `nbf`/`iat`/`exp` (default 0). */
  clockSkew?: number
}
