import Database from 'better-sqlite3'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { LedgerClosedError, LedgerCorruptError, LedgerUnavailableError } from '../errors.js'
import { toHex } from '../lib/bytes.js'
import { messageOf } from '../lib/message.js'
import type { EncodedOperation } from '../method/operation.js'
import type { AnchoredOperation } from '../method/state.js'
import { admitBatch, checkHeight, checkRead, nextTime, systemClock } from './admit.js'
import { merkleRoot } from './merkle.js'
import type { BatchInfo, Checkpoint, Ledger, LedgerHead, LogPosition, ReadOptions, Receipt, Submittable } from './types.js'

// Schema 2 adds `key_heads` (per index key: operations stored, last position), written in the same
// transaction as the operations, so a read can tell a complete answer from one a damaged index cut
// short. A version-1 file is migrated on its next writable open (its checkpoints table too, if it
// predates it); opened read-only it reads without that check (and, without the table, checkpoints).
const SCHEMA_VERSION = 2
/** Tables and indexes every ledger file has; one missing is damage, never recreated. */
const REQUIRED = ['meta', 'batches', 'operations', 'operations_by_did']
const BUSY_TIMEOUT_MS = 5000
/** Checkpoints kept per index key (the newest ones). */
const CHECKPOINTS_KEPT = 3
const SUFFIX = /^[a-z2-7]{51}[aq]$/
const JSON_CODEC = 0x0200
const SHA2_256 = 0x12

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
}

interface KeyHead {
  operations: number
  height: number
  position: number
  time: number
}

interface CheckpointRow {
  height: number
  operations: number
  state: string
}

interface OpRow {
  height: number
  position: number
  time: number
  bytes: Buffer
}

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
 * @see ../../spec/did-grid.md#anchoring
 */
export class SqliteLedger implements Ledger {
  readonly path: string
  /** @internal The open database, for the chain index built on this store. */
  protected readonly db: Database.Database
  readonly #clock: () => number
  readonly #stmt: ReturnType<SqliteLedger['prepare']>
  readonly #checkpoint: ReturnType<SqliteLedger['prepareCheckpoints']> | undefined
  /** Statements of `key_heads`; undefined for a version-1 file opened read-only. */
  readonly #keys: ReturnType<SqliteLedger['prepareKeys']> | undefined
  readonly #readonly: boolean
  readonly #synchronous: 'FULL' | 'NORMAL'
  #closed = false

  constructor(path: string, options: SqliteLedgerOptions = {}) {
    if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
    this.path = path
    this.#clock = options.clock ?? systemClock
    this.#readonly = options.readonly ?? false
    this.#synchronous = options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'
    const create = path === ':memory:' || (options.create === true && !options.readonly)
    if (options.check !== undefined && options.check !== 'quick' && options.check !== 'schema') throw new RangeError('check must be "quick" or "schema"')
    if (!create && !existsSync(path)) {
      throw new LedgerUnavailableError(`no ledger at ${path} (pass { create: true } to make a new one)`)
    }
    try {
      if (create && path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
      this.db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !create })
    } catch (cause) {
      throw new LedgerUnavailableError(`cannot open the ledger at ${path}: ${messageOf(cause)}`, { cause })
    }
    try {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
      // Before anything writes to the file: an empty file stays empty unless the caller creates.
      const version = this.#checkSchema(create)
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL')
        this.db.pragma(`synchronous = ${this.#synchronous}`)
        if (version === 0) this.#createSchema()
        else if (version === 1) this.#migrateFrom1()
      }
      if ((options.check ?? 'quick') === 'quick' && version !== 0) this.#quickCheck()
      this.#stmt = this.prepare()
      this.#checkpoint = this.prepareCheckpoints()
      this.#keys = this.prepareKeys()
    } catch (cause) {
      this.db.close()
      if (cause instanceof LedgerCorruptError) throw cause
      if (isCorruption(cause)) throw new LedgerCorruptError(`${path} is not an intact ledger: ${messageOf(cause)}`, { cause })
      throw new LedgerUnavailableError(`cannot open the ledger at ${path}: ${messageOf(cause)}`, { cause })
    }
  }

  /**
   * The file's schema version (0: an empty file the caller creates a ledger in). A file with no
   * schema, another version or a missing table or index is corrupt: nothing is recreated over it.
   */
  #checkSchema(create: boolean): number {
    const names = new Set((this.db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string }[]).map((r) => r.name))
    if (names.size === 0) {
      if (create) return 0
      throw new LedgerCorruptError(`${this.path} holds no ledger (an empty or foreign file; pass { create: true } to make a new ledger in it)`)
    }
    const row = names.has('meta') ? (this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema') as { value: string } | undefined) : undefined
    const version = Number(row?.value)
    if (version !== 1 && version !== SCHEMA_VERSION) {
      throw new LedgerCorruptError(`${this.path} has schema ${row?.value ?? 'none'}, this version reads schemas 1 and ${SCHEMA_VERSION}`)
    }
    const missing = [...REQUIRED, ...(version === SCHEMA_VERSION ? ['checkpoints', 'key_heads'] : [])].filter((n) => !names.has(n))
    if (missing.length > 0) throw new LedgerCorruptError(`${this.path} is damaged: ${missing.join(', ')} missing`)
    return version
  }

  /** SQLite's structural check of every page (b-tree shape, entry counts of every index). */
  #quickCheck(): void {
    const rows = this.db.pragma('quick_check', { simple: false }) as { quick_check: string }[]
    if (rows.length !== 1 || rows[0]!.quick_check !== 'ok') {
      throw new LedgerCorruptError(`${this.path} failed SQLite's quick_check: ${rows.map((r) => r.quick_check).slice(0, 3).join('; ')}`)
    }
  }

  /** Schema 1 → 2: the per-key heads, computed from the operations (one pass, once). */
  #migrateFrom1(): void {
    this.db.transaction(() => {
      this.db.exec(`${CHECKPOINTS_TABLE}; ${KEY_HEADS_TABLE};
        INSERT INTO key_heads (suffix, operations, height, position)
          SELECT o.suffix, (SELECT count(*) FROM operations c WHERE c.suffix = o.suffix), o.height, o.position
          FROM operations o
          WHERE NOT EXISTS (SELECT 1 FROM operations n WHERE n.suffix = o.suffix AND (n.height > o.height OR (n.height = o.height AND n.position > o.position)));`)
      this.db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(SCHEMA_VERSION), 'schema')
    }).immediate()
  }

  #createSchema(): void {
    this.db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE batches (
        height INTEGER PRIMARY KEY,
        time   INTEGER NOT NULL,
        root   BLOB    NOT NULL
      ) STRICT;
      CREATE TABLE operations (
        height   INTEGER NOT NULL REFERENCES batches(height),
        position INTEGER NOT NULL,
        suffix   BLOB    NOT NULL,
        digest   BLOB    NOT NULL UNIQUE,
        bytes    BLOB    NOT NULL,
        PRIMARY KEY (height, position)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX operations_by_did ON operations (suffix, height, position);
      ${CHECKPOINTS_TABLE};
      ${KEY_HEADS_TABLE};
    `)
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', String(SCHEMA_VERSION))
  }

  private prepare() {
    const db = this.db
    return {
      head: db.prepare('SELECT height, time FROM batches ORDER BY height DESC LIMIT 1'),
      insertBatch: db.prepare('INSERT INTO batches (height, time, root) VALUES (?, ?, ?)'),
      insertOp: db.prepare('INSERT INTO operations (height, position, suffix, digest, bytes) VALUES (?, ?, ?, ?, ?)'),
      receiptByDigest: db.prepare(
        'SELECT o.height, o.position, b.time, b.root FROM operations o JOIN batches b ON b.height = o.height WHERE o.digest = ?',
      ),
      read: db.prepare(
        `SELECT o.height, o.position, b.time, o.bytes FROM operations o JOIN batches b ON b.height = o.height
         WHERE o.suffix = ? AND o.height >= ? AND o.height <= ? AND b.time <= ? AND (o.height > ? OR o.position > ?)
         ORDER BY o.height, o.position LIMIT ?`,
      ),
      countUntil: db.prepare('SELECT count(*) AS n FROM operations WHERE suffix = ? AND height <= ?'),
      batch: db.prepare('SELECT height, time, root FROM batches WHERE height = ?'),
      batchOps: db.prepare('SELECT digest FROM operations WHERE height = ? ORDER BY position'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    }
  }

  /** Statements of the per-key heads; undefined for a version-1 file opened read-only. */
  private prepareKeys() {
    const db = this.db
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'key_heads'").get()) return undefined
    return {
      get: db.prepare('SELECT k.operations, k.height, k.position, b.time FROM key_heads k LEFT JOIN batches b ON b.height = k.height WHERE k.suffix = ?'),
      // The key's entries as the index sees them (covering: no row is fetched).
      count: db.prepare('SELECT count(*) AS n FROM operations WHERE suffix = ?'),
      bump: db.prepare(
        `INSERT INTO key_heads (suffix, operations, height, position) VALUES (?, 1, ?, ?)
         ON CONFLICT (suffix) DO UPDATE SET operations = operations + 1, height = excluded.height, position = excluded.position`,
      ),
    }
  }

  /** Checkpoint statements; undefined for a file opened read-only before its first writable open added the table. */
  private prepareCheckpoints() {
    const db = this.db
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").get()) return undefined
    return {
      read: db.prepare('SELECT height, operations, state FROM checkpoints WHERE suffix = ? AND height <= ? ORDER BY height DESC LIMIT 1'),
      write: db.prepare(
        `INSERT INTO checkpoints (suffix, height, operations, state) VALUES (?, ?, ?, ?)
         ON CONFLICT (suffix, height) DO UPDATE SET operations = excluded.operations, state = excluded.state`,
      ),
      prune: db.prepare(
        `DELETE FROM checkpoints WHERE suffix = ? AND height <
         (SELECT height FROM checkpoints WHERE suffix = ? ORDER BY height DESC LIMIT 1 OFFSET ${CHECKPOINTS_KEPT - 1})`,
      ),
    }
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    this.assertOpen()
    const { unique, indexOf } = admitBatch(operations)
    const receipts = this.guard('submit', () =>
      this.db.transaction(() => {
        const byCid = new Map<string, Receipt>()
        const fresh = []
        for (const op of unique) {
          const existing = this.#stmt.receiptByDigest.get(op.digest) as { height: number; position: number; time: number; root: Buffer } | undefined
          if (existing) {
            byCid.set(op.cid, { cid: op.cid, did: op.did, height: existing.height, position: existing.position, time: existing.time, batchRoot: toHex(existing.root) })
          } else fresh.push(op)
        }
        if (fresh.length > 0) {
          const last = this.#stmt.head.get() as { height: number; time: number } | undefined
          const height = (last?.height ?? 0) + 1
          const time = nextTime(this.#clock, last?.time ?? 0)
          const root = merkleRoot(fresh.map((op) => op.digest))
          this.#stmt.insertBatch.run(height, time, root)
          const batchRoot = toHex(root)
          fresh.forEach((op, position) => {
            const key = suffixBytes(op.suffix)
            this.#stmt.insertOp.run(height, position, key, op.digest, op.bytes)
            this.#keys?.bump.run(key, height, position)
            byCid.set(op.cid, { cid: op.cid, did: op.did, height, position, time, batchRoot })
          })
        }
        return byCid
      }).immediate(),
    )
    return indexOf.map((i) => ({ ...receipts.get(unique[i]!.cid)! }))
  }

  async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.assertOpen()
    checkRead(suffix, options)
    if (!SUFFIX.test(suffix)) return []
    const key = suffixBytes(suffix)
    const after = options.afterHeight ?? 0
    const until = options.untilHeight ?? Number.MAX_SAFE_INTEGER
    const untilTime = options.untilTime ?? Number.MAX_SAFE_INTEGER
    // One read transaction: the rows and the key's head come from the same snapshot.
    const rows = this.guard('read', () =>
      this.db.transaction(() => {
        const found = this.#stmt.read.all(
          key,
          // The index range starts at the cursor's height, so a page never walks the pages before it.
          Math.max(after + 1, options.after?.height ?? 0),
          until,
          untilTime,
          // The cursor of a paged read; (0, -1) precedes every operation.
          options.after?.height ?? 0,
          options.after?.position ?? -1,
          // LIMIT -1 is SQLite's "no limit".
          options.limit ?? -1,
        ) as OpRow[]
        if (this.#keys) {
          // Only the last page of a read ends where the key's head does; a full one is followed by more.
          const lastPage = options.limit === undefined || found.length < options.limit
          const counted = lastPage ? () => (this.#keys!.count.get(key) as { n: number }).n : undefined
          checkComplete(suffix, found, this.#keys.get.get(key) as KeyHead | undefined, { after, until, untilTime, cursor: options.after, lastPage, counted })
        }
        return found
      })(),
    )
    return rows.map((r) => ({ bytes: new Uint8Array(r.bytes), height: r.height, position: r.position, time: r.time }))
  }

  /**
   * The checkpoint of `suffix` with the greatest height at or below `height` (one index lookup), or
   * undefined. The ledger returns what was stored; the resolver decides whether to use it.
   * @see ../../spec/did-grid.md#checkpoints
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
   * @see ../../spec/did-grid.md#checkpoints
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
   * @see ../../spec/did-grid.md#checkpoints
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
        this.db.transaction(() => {
          stmt.write.run(key, height, operations, state)
          stmt.prune.run(key, key)
        }).immediate()
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

  /**
   * @internal Stores batches found on a chain at their own heights (which may have gaps), moves the
   * sync mark `markKey` to `mark`, and sets the `meta` entries, in one write transaction. Batches at
   * or below the stored mark are skipped: another process sharing the file may have got there first.
   */
  protected importBatches(
    batches: readonly { height: number; time: number; operations: readonly { position: number; op: EncodedOperation }[] }[],
    markKey: string,
    mark: number,
    meta: Record<string, string>,
  ): void {
    this.guard('import', () =>
      this.db.transaction(() => {
        const current = Number((this.#stmt.getMeta.get(markKey) as { value: string } | undefined)?.value ?? 0)
        if (mark <= current) return
        for (const b of batches) {
          if (b.height <= current) continue
          this.#stmt.insertBatch.run(b.height, b.time, merkleRoot(b.operations.map(({ op }) => op.digest)))
          for (const { position, op } of b.operations) {
            const key = suffixBytes(op.suffix)
            this.#stmt.insertOp.run(b.height, position, key, op.digest, op.bytes)
            this.#keys?.bump.run(key, b.height, position)
          }
        }
        for (const [key, value] of Object.entries({ ...meta, [markKey]: String(mark) })) this.#stmt.setMeta.run(key, value)
      }).immediate(),
    )
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
  }

  /** SQLite's own consistency check, every batch's Merkle root and every key's head; for audits and tests. */
  async verifyIntegrity(): Promise<{ batches: number; operations: number }> {
    this.assertOpen()
    const check = this.db.pragma('integrity_check', { simple: true })
    if (check !== 'ok') throw new LedgerCorruptError(`SQLite integrity check failed: ${String(check)}`)
    // Rows that lost their batch (written with foreign keys off) are damage the resolver sees too.
    const orphans = this.db.pragma('foreign_key_check') as unknown[]
    if (orphans.length > 0) throw new LedgerCorruptError(`${orphans.length} rows refer to a batch or key that does not exist`)
    const heights = this.db.prepare('SELECT height, root FROM batches ORDER BY height').all() as { height: number; root: Buffer }[]
    let operations = 0
    heights.forEach((b, i) => {
      if (this.gapless && b.height !== i + 1) throw new LedgerCorruptError(`batch heights are not contiguous at ${b.height}`)
      const digests = (this.#stmt.batchOps.all(b.height) as { digest: Buffer }[]).map((d) => new Uint8Array(d.digest))
      if (digests.length === 0 || toHex(merkleRoot(digests)) !== toHex(b.root)) {
        throw new LedgerCorruptError(`batch ${b.height} does not match its Merkle root`)
      }
      operations += digests.length
    })
    if (this.#keys) {
      // Every key's head names its count and last operation (reads rely on it; see checkComplete).
      const off = this.db
        .prepare(
          `SELECT count(*) AS n FROM (SELECT suffix, count(*) AS c, max(height * 4294967296 + position) AS last FROM operations GROUP BY suffix) o
           FULL OUTER JOIN key_heads k ON k.suffix = o.suffix
           WHERE o.c IS NOT k.operations OR o.last IS NOT k.height * 4294967296 + k.position`,
        )
        .get() as { n: number }
      if (off.n > 0) throw new LedgerCorruptError(`${off.n} index keys disagree with their heads`)
    }
    return { batches: heights.length, operations }
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

const CHECKPOINTS_TABLE = `CREATE TABLE IF NOT EXISTS checkpoints (
        suffix     BLOB    NOT NULL,
        height     INTEGER NOT NULL,
        operations INTEGER NOT NULL,
        state      TEXT    NOT NULL,
        PRIMARY KEY (suffix, height)
      ) STRICT`
const KEY_HEADS_TABLE = `CREATE TABLE key_heads (
        suffix     BLOB    PRIMARY KEY,
        operations INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        position   INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID`

/**
 * Whether the rows an index range scan returned agree with the key's head, written with them: the
 * key's last operation is the last row whenever the range covers it, and a read from the start that
 * covers it returns every operation of the key. A damaged index that drops rows (so that a DID would
 * read as "not found", or as an older version) is reported, never answered. Heights and times only
 * grow, so a range that ends at or above the head's height and time covers it.
 */
function checkComplete(
  suffix: string,
  rows: readonly OpRow[],
  head: KeyHead | undefined,
  read: { after: number; until: number; untilTime: number; cursor: LogPosition | undefined; lastPage: boolean; counted: (() => number) | undefined },
): void {
  const fail = (what: string) => {
    throw new LedgerCorruptError(`the ledger's index of ${suffix} disagrees with its records (${what}); run verifyIntegrity() or restore the store`)
  }
  if (!head) {
    if (rows.length > 0) fail(`${rows.length} operations, no head`)
    return
  }
  if (head.time === null) fail(`its head at height ${head.height} has no batch`)
  // The last operation this read has seen: this page's, else the cursor it continued from.
  const last = rows.at(-1) ?? read.cursor
  if (last && (last.height > head.height || (last.height === head.height && last.position > head.position))) fail('an operation past its head')
  if (!read.lastPage || head.height <= read.after || head.height > read.until || head.time > read.untilTime) return
  if (!last || last.height !== head.height || last.position !== head.position) {
    fail(`its last operation at ${head.height}:${head.position} is missing`)
  }
  // The index must hold exactly the operations the head counts: a read of the whole log counts its
  // rows, any other read (a page, or a resume above a checkpoint) counts the key's index entries.
  const found = read.after === 0 && read.cursor === undefined ? rows.length : read.counted?.()
  if (found !== undefined && found !== head.operations) fail(`${found} of ${head.operations} operations found`)
}

/** SQLite's own verdict that the file is damaged or not a database at all. */
function isCorruption(cause: unknown): boolean {
  const code = (cause as { code?: unknown })?.code
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT_'))
}

function suffixBytes(suffix: string): Uint8Array {
  return base32.baseDecode(suffix)
}
