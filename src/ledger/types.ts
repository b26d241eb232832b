import type { AnchoredOperation } from '../method/state.js'

export type { AnchoredOperation }

/** Proof that one operation was anchored: where, when, and in which batch. */
export interface Receipt {
  /** CID of the operation. */
  cid: string
  /** DID the operation belongs to. */
  did: string
  /** Ledger height of the batch (block number on a chain). */
  height: number
  /** Position of the operation inside its batch. */
  position: number
  /** Anchoring time, Unix seconds. */
  time: number
  /** Hex RFC 6962 Merkle root of the batch's operation hashes. */
  batchRoot: string
}

/** The ledger's current head. */
export interface LedgerHead {
  /** Height of the latest batch; 0 when nothing is anchored yet. */
  height: number
  /** Time of the latest batch (Unix seconds); 0 when empty. */
  time: number
  /** Highest height that can no longer change. BFT chains and the embedded stores: equal to `height`. */
  finalizedHeight: number
}

/** A place in a key's log: an operation's ledger height and position in its batch. */
export interface LogPosition {
  height: number
  position: number
}

/**
 * Range of a read, and its page. Heights are inclusive bounds except `afterHeight`. With `limit`,
 * a read returns one page: the first `limit` operations of the range in ledger order; the next page
 * starts `after` the last one returned. A page shorter than `limit` is the last.
 */
export interface ReadOptions {
  /** Only operations anchored above this height. */
  afterHeight?: number
  /** Only operations anchored at or below this height. */
  untilHeight?: number
  /** Only operations anchored at or before this time (Unix seconds). */
  untilTime?: number
  /** Only operations after this ledger position (exclusive): the cursor of a paged read. */
  after?: LogPosition
  /** At most this many operations (a positive integer): the page size. Default: no limit. */
  limit?: number
}

/** One anchored batch. */
export interface BatchInfo {
  height: number
  time: number
  /** Hex RFC 6962 Merkle root over the SHA-256 of each operation, in position order. */
  root: string
  /** CIDs of the batch's operations, in position order. */
  operations: string[]
}

/**
 * A resolver's fold state for one index key, saved next to the operations so that a later cold
 * resolve folds only what was anchored since. Derived data: only the resolver that computed it from
 * operations it verified itself may use it (spec §Checkpoints); the ledger stores it as given.
 */
export interface Checkpoint {
  /** Index key (a DID's suffix). */
  suffix: string
  /** The state covers every operation of the key anchored at or below this height (a finalized one). */
  height: number
  /** Operations folded up to `height`, applied and skipped. */
  operations: number
  /** The resolver's serialised fold state, opaque to the ledger. */
  state: string
}

/** Something a ledger accepts as an operation: canonical bytes, or an object carrying them. */
export type Submittable = Uint8Array | { bytes: Uint8Array }

/**
 * Where did:grid operations are anchored. Every adapter passes the shared conformance suite
 * (`test/ledger/conformance.ts`).
 *
 * - `submit` anchors one batch atomically: every operation passes the stand-alone checks or
 *   nothing is written. Re-submitting an anchored operation returns its original receipt.
 * - `read` returns one DID's operations in ledger order (height, then position) through an index:
 *   its cost does not depend on how many other DIDs exist. With `limit` (and `after`, the last
 *   position of the previous page) it returns one page, so a reader holds at most `limit` operations
 *   of a log at once however long the log is (`readPages` walks every page).
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#anchoring
 */
export interface Ledger {
  /** Anchors one batch; resolves once it is durable. */
  submit(operations: readonly Submittable[]): Promise<Receipt[]>
  /** One DID's operations (by suffix) in ledger order; one page of them with `limit`. */
  read(suffix: string, options?: ReadOptions): Promise<AnchoredOperation[]>
  head(): Promise<LedgerHead>
  /** The batch at `height`, or undefined when there is none. */
  batch(height: number): Promise<BatchInfo | undefined>
  close(): Promise<void>
  /**
   * Optional: the checkpoint of `suffix` with the greatest height at or below `height`. An adapter
   * without a place to keep checkpoints leaves both checkpoint methods out.
   */
  readCheckpoint?(suffix: string, height: number): Promise<Checkpoint | undefined>
  /** Optional: stores a checkpoint, replacing one of the same suffix and height. */
  writeCheckpoint?(checkpoint: Checkpoint): Promise<void>
  /**
   * Optional, and required for checkpoints: how many operations of `suffix` are anchored at or
   * below `untilHeight`. A resolver resumes from a checkpoint only while this still equals the
   * count the checkpoint was folded from, so an operation hidden from the store when the checkpoint
   * was written and restored since voids it (spec §Checkpoints).
   */
  countOperations?(suffix: string, untilHeight: number): Promise<number>
  /**
   * Optional: calls `listener` whenever this object has anchored a batch (its own `submit`, or a
   * sync that stored batches), before that call resolves. A reader that keeps the head between
   * reads (the resolver endpoint) reads it again on its next request. Returns the unsubscribe.
   */
  onAnchor?(listener: () => void): () => void
}
