import type Database from 'better-sqlite3'
import { LedgerCorruptError } from '../../errors.js'

// Schema 2 adds `key_heads` (per index key: operations stored, last position), written in the same
// transaction as the operations, so a read can tell a complete answer from one a damaged index cut
// short. A version-1 file is migrated on its next writable open (its checkpoints table too, if it
// predates it); opened read-only it reads without that check (and, without the table, checkpoints).
const SCHEMA_VERSION = 2
/** Tables and indexes every ledger file has; one missing is damage, never recreated. */
const REQUIRED = ['meta', 'batches', 'operations', 'operations_by_did']

/** Resolver checkpoints (derived fold states), added by schema 2. */
const CHECKPOINTS_TABLE = `CREATE TABLE IF NOT EXISTS checkpoints (
        suffix     BLOB    NOT NULL,
        height     INTEGER NOT NULL,
        operations INTEGER NOT NULL,
        state      TEXT    NOT NULL,
        PRIMARY KEY (suffix, height)
      ) STRICT`
/** Per index key: operations stored and the place of the last one, added by schema 2. */
const KEY_HEADS_TABLE = `CREATE TABLE key_heads (
        suffix     BLOB    PRIMARY KEY,
        operations INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        position   INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID`

/**
 * The file's schema version (0: an empty file the caller creates a ledger in). A file with no
 * schema, another version or a missing table or index is corrupt: nothing is recreated over it.
 */
export function checkSchema(db: Database.Database, path: string, create: boolean): number {
  const names = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string }[]).map((r) => r.name),
  )
  if (names.size === 0) {
    if (create) return 0
    throw new LedgerCorruptError(`${path} holds no ledger (an empty or foreign file; pass { create: true } to make a new ledger in it)`)
  }
  const row = names.has('meta')
    ? (db.prepare('SELECT value FROM meta WHERE key = ?').get('schema') as { value: string } | undefined)
    : undefined
  const version = Number(row?.value)
  if (version !== 1 && version !== SCHEMA_VERSION) {
    throw new LedgerCorruptError(`${path} has schema ${row?.value ?? 'none'}, this version reads schemas 1 and ${SCHEMA_VERSION}`)
  }
  const missing = [...REQUIRED, ...(version === SCHEMA_VERSION ? ['checkpoints', 'key_heads'] : [])].filter((n) => !names.has(n))
  if (missing.length > 0) throw new LedgerCorruptError(`${path} is damaged: ${missing.join(', ')} missing`)
  return version
}

/** SQLite's structural check of every page (b-tree shape, entry counts of every index). */
export function quickCheck(db: Database.Database, path: string): void {
  const rows = db.pragma('quick_check', { simple: false }) as { quick_check: string }[]
  if (rows.length !== 1 || rows[0]!.quick_check !== 'ok') {
    throw new LedgerCorruptError(
      `${path} failed SQLite's quick_check: ${rows
        .map((r) => r.quick_check)
        .slice(0, 3)
        .join('; ')}`,
    )
  }
}

/** Schema 1 → 2: the per-key heads, computed from the operations (one pass, once). */
export function migrateFrom1(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`${CHECKPOINTS_TABLE}; ${KEY_HEADS_TABLE};
        INSERT INTO key_heads (suffix, operations, height, position)
          SELECT o.suffix, (SELECT count(*) FROM operations c WHERE c.suffix = o.suffix), o.height, o.position
          FROM operations o
          WHERE NOT EXISTS (SELECT 1 FROM operations n WHERE n.suffix = o.suffix AND (n.height > o.height OR (n.height = o.height AND n.position > o.position)));`)
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(SCHEMA_VERSION), 'schema')
  }).immediate()
}

/** The tables and indexes of a new ledger file, at the current schema version. */
export function createSchema(db: Database.Database): void {
  db.exec(`
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
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', String(SCHEMA_VERSION))
}
