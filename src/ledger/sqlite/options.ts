/** Options of {@link SqliteLedger}. */
export interface SqliteLedgerOptions {
  /** Source of anchoring time in Unix seconds (default: the system clock). */
  clock?: () => number
  /**
   * SQLite `synchronous` level. `FULL` (default) fsyncs every batch, so an acknowledged submit
   * survives a crash of the machine, not only of the process.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** Open without write access. */
  readonly?: boolean
  /**
   * Create the file (and its directory) when it does not exist, or the schema in an empty file. Off
   * by default, so a mistyped or unmounted path fails loudly instead of serving an empty ledger
   * (where every DID is "not found"), and an empty or schema-less file is `ERR_GRID_LEDGER_CORRUPT`.
   */
  create?: boolean
  /**
   * What is checked at open besides the schema: `quick` (default) runs SQLite's `PRAGMA quick_check`
   * (every page of the file is read; a few milliseconds per thousand operations, spec §Anchoring),
   * `schema` checks the schema only. Reads check their own answer either way.
   */
  check?: 'quick' | 'schema'
  /**
   * Worker threads that verify the signatures of large batches (16 operations or more) in
   * parallel: default one per core (`os.availableParallelism()`), started on the first such batch,
   * closed by {@link SqliteLedger.close}; `0` verifies every batch on the calling thread. Results
   * are identical either way.
   */
  verifyThreads?: number
}

/** Batches this large have their checks run by the worker threads; smaller ones on the caller's thread. */
export const POOLED_BATCH = 16
