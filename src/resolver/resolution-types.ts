import type { DIDDocumentMetadata, DIDResolutionOptions } from 'did-resolver'
import type { Ledger } from '../ledger/types.js'
import type { OperationType } from '../method/operation-types.js'
import type { ResourceVersion } from '../method/resource.js'
import type { AppliedVersion, DidState } from '../method/state-types.js'

/** Configuration of {@link GridResolver} and {@link getResolver}. */
export interface GridResolverConfig {
  /** Ledger of each network name, e.g. `{ sgcc: new SqliteLedger(path) }`. */
  networks: Record<string, Ledger>
  /**
   * Cache of verified per-DID views keyed to the ledger head (default 10,000 DIDs). `false`
   * re-reads and re-verifies a DID's whole log on every call.
   */
  cache?: false | { maxEntries?: number }
  /**
   * Checkpoints of verified fold states, kept in the ledger when it offers a place for them
   * (`SqliteLedger`, `ChainIndex`): a cold resolve of a DID's latest state folds only the operations
   * anchored since its newest checkpoint, and writes a new one once `every` operations
   * have been folded past it (default 8: a cold resolve verifies at most 7). Each checkpoint carries an HMAC-SHA256 under `secret`
   * (at least 32 bytes, kept outside the ledger file), and only checkpoints with a valid tag are used:
   * whoever can write the store can delete checkpoints, never forge one. Without `secret` the
   * resolver draws a random one, so it uses only the checkpoints it wrote itself (a restart ignores
   * and overwrites older ones); pass the same secret to keep them across restarts.
   * `false` neither reads nor writes any: every cold resolve re-verifies the whole log.
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#checkpoints
   */
  checkpoints?: false | { every?: number; secret?: Uint8Array }
}

/** Resolution options: DID Resolution's `accept` plus the version selectors. */
export interface GridResolutionOptions extends DIDResolutionOptions {
  accept?: string
  /** Resolve the n-th applied operation's state (`1` = as created). */
  versionId?: string | number
  /** Resolve the state as of this time (`YYYY-MM-DDTHH:MM:SSZ`). */
  versionTime?: string
  /**
   * Resolve the state as of this ledger height (the last operation anchored at or below it). For
   * deterministic callers such as contract role checks, which take the height from the transaction.
   * A height above the finalized head is `notFound`.
   */
  ledgerHeight?: number
}

/** did:grid's method-specific document metadata (`didDocumentMetadata.method`). */
export interface GridMethodMetadata {
  /** CID of the resolved version's last operation: the `prev` of the next update. */
  head: string
  /** CID of the last create/recover: the `prev` of the next recover or deactivate. */
  recoveryHead: string
  /** The update key (public Multikey). */
  updateKey: string
  /** The recovery key (public Multikey). */
  recoveryKey: string
  /** Ledger height the resolution read up to, as a decimal string (DID Core §7.3: metadata values are never numbers). */
  ledgerHeight: string
}

/** One line of {@link GridResolver.history}: an anchored operation, applied or skipped. */
export interface HistoryEntry {
  cid: string
  type?: OperationType
  height: number
  position: number
  time: string
  applied: boolean
  versionId?: number
  reason?: string
  message?: string
}

/**
 * The result of {@link GridResolver.resolveRepresentation} (DID Core §7.1 `resolveRepresentation`):
 * the document as bytes of one representation, and that representation's media type.
 */
export interface DIDResolutionRepresentationResult {
  didResolutionMetadata: { contentType?: string; error?: string; message?: string; [key: string]: unknown }
  /** The document serialised as `contentType`; empty when resolution failed. */
  didDocumentStream: string
  didDocumentMetadata: DIDDocumentMetadata
}

/** DID URL dereferencing result (DID Resolution §Dereferencing). */
export interface DIDDereferencingResult {
  dereferencingMetadata: { contentType?: string; error?: string; message?: string; [key: string]: unknown }
  contentStream: unknown
  contentMetadata: DIDDocumentMetadata
}

/** A DID's history up to a ledger height (see {@link GridResolver.timeline}). */
export interface DidTimeline {
  did: string
  ledgerHeight: number
  /** Applied operations at or below `ledgerHeight`, oldest first. */
  versions: readonly AppliedVersion[]
  /** `states[i]` is the state after `versions[i]`; the last one is the DID as of `ledgerHeight`. */
  states: readonly DidState[]
}

/** Selects a resource version; at most one of the three. */
export interface ResourceSelection {
  /** The resource's n-th applied version (`1` = first). */
  versionId?: string | number
  /** The version current at this time (`YYYY-MM-DDTHH:MM:SSZ`). */
  versionTime?: string
  /** The version current at this ledger height. */
  ledgerHeight?: number
}

/** One resolved version of a DID-linked resource. */
export interface ResolvedResource {
  /** `<did>/resources/<resourceId>`. */
  id: string
  did: string
  resourceId: string
  version: ResourceVersion
  /** The version that replaced this one, if any, as of `ledgerHeight`. */
  nextVersionId: number | undefined
  /** Whether the owner DID was deactivated at the read height. */
  ownerDeactivated: boolean
  /** The ledger height the answer holds for. */
  ledgerHeight: number
}
