import type Database from 'better-sqlite3'

/** Checkpoints kept per index key (the newest ones). */
const CHECKPOINTS_KEPT = 3

/** A key's head: operations stored, the last one's place, and its batch's time (null: no batch). */
export interface KeyHead {
  operations: number
  height: number
  position: number
  time: number
}

export interface CheckpointRow {
  height: number
  operations: number
  state: string
}

/** One operation row of a read. */
export interface OpRow {
  height: number
  position: number
  time: number
  bytes: Buffer
}

type Statement = Database.Statement

/** Statements of batches, operations and meta entries. */
export interface Statements {
  head: Statement
  insertBatch: Statement
  insertOp: Statement
  receiptByDigest: Statement
  read: Statement
  countUntil: Statement
  batch: Statement
  batchOps: Statement
  getMeta: Statement
  setMeta: Statement
}

/** Statements of the per-key heads. */
export interface KeyStatements {
  get: Statement
  count: Statement
  bump: Statement
}

/** Statements of the checkpoints. */
export interface CheckpointStatements {
  read: Statement
  write: Statement
  prune: Statement
}

/** The prepared statements of batches, operations and meta entries. */
export function prepareStatements(db: Database.Database): Statements {
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
export function prepareKeys(db: Database.Database): KeyStatements | undefined {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'key_heads'").get()) return undefined
  return {
    get: db.prepare(
      'SELECT k.operations, k.height, k.position, b.time FROM key_heads k LEFT JOIN batches b ON b.height = k.height WHERE k.suffix = ?',
    ),
    // The key's entries as the index sees them (covering: no row is fetched).
    count: db.prepare('SELECT count(*) AS n FROM operations WHERE suffix = ?'),
    bump: db.prepare(
      `INSERT INTO key_heads (suffix, operations, height, position) VALUES (?, 1, ?, ?)
         ON CONFLICT (suffix) DO UPDATE SET operations = operations + 1, height = excluded.height, position = excluded.position`,
    ),
  }
}

/** Checkpoint statements; undefined for a file opened read-only before its first writable open added the table. */
export function prepareCheckpoints(db: Database.Database): CheckpointStatements | undefined {
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
