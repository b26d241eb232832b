import { Listeners } from '../../lib/listeners.js'
import type Database from 'better-sqlite3'
import { existsSync, mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname } from 'node:path'
import { betterSqlite3 } from '../peers/better-sqlite3.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { GridError, LedgerClosedError, LedgerCorruptError, LedgerUnavailableError } from '../../errors.js'
import { toHex } from '../../lib/bytes.js'
import { messageOf } from '../../lib/message.js'
import type { EncodedOperation } from '../../method/operation.js'
import type { AnchoredOperation } from '../../method/state.js'
import { admitBatch, admitBatchWith, checkHeight, checkRead, systemClock, type Admitted } from '../admit.js'
import type { BatchInfo, Checkpoint, Ledger, LedgerHead, ReadOptions, Receipt, Submittable } from '../types.js'
import { isCorruption, verifyIntegrity } from './integrity.js'
import { readRows } from './read.js'
import { checkSchema, createSchema, migrateFrom1, quickCheck } from './schema.js'
import {
  prepareCheckpoints,
  prepareKeys,
  prepareStatements,
  type CheckpointRow,
  type CheckpointStatements,
  type KeyStatements,
  type Statements,
} from './statements.js'
import { SUFFIX, suffixBytes } from './suffix.js'
import { POOLED_BATCH, type SqliteLedgerOptions } from './options.js'
import { VerifyPool } from './verify-pool.js'
import { appendBatch, importBatches } from './write.js'

export type { SqliteLedgerOptions } from './options.js'

const BUSY_TIMEOUT_MS = 5000
const JSON_CODEC = 0x0200
const SHA2_256 = 0x12

/**
 * The embedded durable ledger: a single SQLite file (WAL journal) holding batches and operations,
 * with an index on (DID suffix, height, position) so reading one DID is one index range scan. It
 * also keeps the resolver's checkpoints (derived fold states, {@link SqliteLedger.readCheckpoint}).
 * The default store of the CLI and the resolver endpoint. Node only (`grid-did/ledger/sqlite`).
 *
 * @example
 * ```ts
 * import { SqliteLedger } from 'grid-did/ledger/sqlite'
 * const ledger = new SqliteLedger('./.grid-did/ledger.db', { create: true })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#anchoring
 */
export class SqliteLedger implements Ledger {
  readonly path: string
  // Private, so the published types do not name better-sqlite3's (a peer dependency a consumer may not have).
  private readonly db: Database.Database
  readonly #clock: () => number
  readonly #stmt: Statements
  readonly #checkpoint: CheckpointStatements | undefined
  /** Statements of `key_heads`; undefined for a version-1 file opened read-only. */
  readonly #keys: KeyStatements | undefined
  readonly #readonly: boolean
  readonly #synchronous: 'FULL' | 'NORMAL'
  readonly #anchorListeners = new Listeners()
  readonly #pool: VerifyPool | undefined
  /** Submits admitted but not written yet; batches are written in the order submit was called. */
  #queued = 0
  #lastWrite: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(path: string, options: SqliteLedgerOptions = {}) {
    if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
    this.path = path
    this.#clock = options.clock ?? systemClock
    this.#readonly = options.readonly ?? false
    this.#synchronous = options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'
    const create = path === ':memory:' || (options.create === true && !options.readonly)
    if (options.check !== undefined && options.check !== 'quick' && options.check !== 'schema')
      throw new RangeError('check must be "quick" or "schema"')
    const threads = options.verifyThreads ?? availableParallelism()
    if (!Number.isSafeInteger(threads) || threads < 0) throw new RangeError('verifyThreads must be a non-negative integer')
    if (!create && !existsSync(path)) {
      throw new LedgerUnavailableError(`no ledger at ${path} (pass { create: true } to make a new one)`)
    }
    // Outside the try: a missing or unbuilt better-sqlite3 is a setup problem, not an unavailable ledger.
    const Sqlite = betterSqlite3()
    try {
      if (create && path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
      this.db = new Sqlite(path, { readonly: options.readonly ?? false, fileMustExist: !create })
    } catch (cause) {
      throw new LedgerUnavailableError(`cannot open the ledger at ${path}: ${messageOf(cause)}`, { cause })
    }
    try {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
      // Before anything writes to the file: an empty file stays empty unless the caller creates.
      const version = checkSchema(this.db, path, create)
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL')
        this.db.pragma(`synchronous = ${this.#synchronous}`)
        if (version === 0) createSchema(this.db)
        else if (version === 1) migrateFrom1(this.db)
      }
      if ((options.check ?? 'quick') === 'quick' && version !== 0) quickCheck(this.db, path)
      this.#stmt = prepareStatements(this.db)
      this.#checkpoint = prepareCheckpoints(this.db)
      this.#keys = prepareKeys(this.db)
      this.#pool = threads > 0 && !this.#readonly ? new VerifyPool(threads) : undefined
    } catch (cause) {
      this.db.close()
      if (cause instanceof LedgerCorruptError) throw cause
      if (isCorruption(cause)) throw new LedgerCorruptError(`${path} is not an intact ledger: ${messageOf(cause)}`, { cause })
      throw new LedgerUnavailableError(`cannot open the ledger at ${path}: ${messageOf(cause)}`, { cause })
    }
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    this.assertOpen()
    const pool = this.#pool && Array.isArray(operations) && operations.length >= POOLED_BATCH ? this.#pool : undefined
    // Nothing queued and a small batch: admitted and written at once, as always.
    if (!pool && this.#queued === 0) return this.#write(admitBatch(operations))
    const previous = this.#lastWrite
    this.#queued++
    const turn = (async () => {
      try {
        let admitted: Admitted
        try {
          admitted = pool ? await admitBatchWith(operations, pool.session(operations.length)) : admitBatch(operations)
        } catch (err) {
          if (this.#closed && !(err instanceof GridError)) throw new LedgerClosedError()
          throw err
        }
        await previous
        this.assertOpen()
        return this.#write(admitted)
      } finally {
        this.#queued--
      }
    })()
    this.#lastWrite = turn.catch(() => {})
    return turn
  }

  #write({ unique, indexOf }: Admitted): Receipt[] {
    const receipts = this.guard('submit', () =>
      this.db.transaction(() => appendBatch(this.#stmt, this.#keys, this.#clock, unique)).immediate(),
    )
    this.#anchorListeners.emit()
    return indexOf.map((i) => ({ ...receipts.get(unique[i]!.cid)! }))
  }

  async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.assertOpen()
    checkRead(suffix, options)
    if (!SUFFIX.test(suffix)) return []
    const key = suffixBytes(suffix)
    // One read transaction: the rows and the key's head come from the same snapshot.
    const rows = this.guard('read', () => this.db.transaction(() => readRows(this.#stmt, this.#keys, suffix, key, options))())
    return rows.map((r) => ({ bytes: new Uint8Array(r.bytes), height: r.height, position: r.position, time: r.time }))
  }

  /**
   * The checkpoint of `suffix` with the greatest height at or below `height` (one index lookup), or
   * undefined. The ledger returns what was stored; the resolver decides whether to use it.
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#checkpoints
   */
  async readCheckpoint(suffix: string, height: number): Promise<Checkpoint | undefined> {
    this.assertOpen()
    if (typeof suffix !== 'string') throw new TypeError('suffix must be a string')
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError('height must be a non-negative integer')
    if (!SUFFIX.test(suffix) || !this.#checkpoint) return undefined
    const row = this.guard('checkpoint read', () => this.#checkpoint!.read.get(suffixBytes(suffix), height) as CheckpointRow | undefined)
    return row && { suffix, height: row.height, operations: row.operations, state: row.state }
  }

  /**
   * How many operations of `suffix` are anchored at or below `untilHeight` (one index range count).
   * A resolver compares it with a checkpoint's count before resuming from it.
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#checkpoints
   */
  async countOperations(suffix: string, untilHeight: number): Promise<number> {
    this.assertOpen()
    if (typeof suffix !== 'string') throw new TypeError('suffix must be a string')
    if (!Number.isSafeInteger(untilHeight) || untilHeight < 0) throw new RangeError('untilHeight must be a non-negative integer')
    if (!SUFFIX.test(suffix)) return 0
    return this.guard('count', () => (this.#stmt.countUntil.get(suffixBytes(suffix), untilHeight) as { n: number }).n)
  }

  /**
   * Stores a checkpoint (replacing one at the same suffix and height) and keeps the newest three of
   * the suffix. Derived data, so the write does not wait for the disk (`synchronous = NORMAL`: a
   * crash may lose it, never corrupt the file) nor for another writer's lock. A read-only store
   * ignores it.
   * @throws {TypeError} | {RangeError} for a malformed checkpoint; {@link LedgerUnavailableError} when
   *   the store is locked by another writer or fails.
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#checkpoints
   */
  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.assertOpen()
    const { suffix, height, operations, state } = checkpoint ?? ({} as Checkpoint)
    if (typeof suffix !== 'string' || !SUFFIX.test(suffix)) throw new TypeError('checkpoint.suffix must be an index key')
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError('checkpoint.height must be a non-negative integer')
    if (!Number.isSafeInteger(operations) || operations < 0) throw new RangeError('checkpoint.operations must be a non-negative integer')
    if (typeof state !== 'string') throw new TypeError('checkpoint.state must be a string')
    if (this.#readonly || !this.#checkpoint) return
    const stmt = this.#checkpoint
    const key = suffixBytes(suffix)
    this.guard('checkpoint write', () => {
      this.db.pragma('synchronous = NORMAL')
      this.db.pragma('busy_timeout = 0')
      try {
        this.db
          .transaction(() => {
            stmt.write.run(key, height, operations, state)
            stmt.prune.run(key, key)
          })
          .immediate()
      } finally {
        this.db.pragma(`synchronous = ${this.#synchronous}`)
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
      }
    })
  }

  async head(): Promise<LedgerHead> {
    this.assertOpen()
    const row = this.guard('head', () => this.#stmt.head.get() as { height: number; time: number } | undefined)
    return { height: row?.height ?? 0, time: row?.time ?? 0, finalizedHeight: row?.height ?? 0 }
  }

  async batch(height: number): Promise<BatchInfo | undefined> {
    this.assertOpen()
    checkHeight(height)
    return this.guard('batch', () => {
      const row = this.#stmt.batch.get(height) as { height: number; time: number; root: Buffer } | undefined
      if (!row) return undefined
      const digests = this.#stmt.batchOps.all(height) as { digest: Buffer }[]
      return {
        height: row.height,
        time: row.time,
        root: toHex(row.root),
        operations: digests.map((d) => CID.createV1(JSON_CODEC, Digest.create(SHA2_256, new Uint8Array(d.digest))).toString()),
      }
    })
  }

  /** @internal Stores batches found on a chain, and moves the sync mark: see `importBatches` in ./write.ts. */
  protected importBatches(
    batches: readonly { height: number; time: number; operations: readonly { position: number; op: EncodedOperation }[] }[],
    markKey: string,
    mark: number,
    meta: Record<string, string>,
  ): void {
    this.guard('import', () => importBatches(this.db, this.#stmt, this.#keys, batches, markKey, mark, meta))
    if (batches.length > 0) this.#anchorListeners.emit()
  }

  /** Calls `listener` after each batch this object stores (submit or import); returns the unsubscribe. */
  onAnchor(listener: () => void): () => void {
    return this.#anchorListeners.add(listener)
  }

  /** @internal Whether heights run 1, 2, 3… (a chain index keeps the chain's block numbers). */
  protected get gapless(): boolean {
    return true
  }

  /** @internal One meta entry. */
  protected meta(key: string): string | undefined {
    return this.guard('meta', () => (this.#stmt.getMeta.get(key) as { value: string } | undefined)?.value)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.db.close()
    await this.#pool?.close()
  }

  /** SQLite's own consistency check, every batch's Merkle root and every key's head; for audits and tests. */
  async verifyIntegrity(): Promise<{ batches: number; operations: number }> {
    this.assertOpen()
    return verifyIntegrity(this.db, this.#stmt, this.#keys, this.gapless)
  }

  /** @internal */
  protected guard<T>(what: string, fn: () => T): T {
    try {
      return fn()
    } catch (cause) {
      if (cause instanceof RangeError || cause instanceof TypeError || cause instanceof LedgerCorruptError) throw cause
      if (isCorruption(cause)) throw new LedgerCorruptError(`ledger ${what} failed: ${messageOf(cause)}`, { cause })
      throw new LedgerUnavailableError(`ledger ${what} failed: ${messageOf(cause)}`, { cause })
    }
  }

  /** @internal */
  protected assertOpen(): void {
    if (this.#closed) throw new LedgerClosedError()
  }
}
