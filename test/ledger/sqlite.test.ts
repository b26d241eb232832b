import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import Database from 'better-sqlite3'
import { base32 } from 'multiformats/bases/base32'
import { afterAll, describe, expect, it } from 'vitest'
import {
  GridResolver,
  LedgerClosedError,
  LedgerCorruptError,
  LedgerUnavailableError,
  foldOperations,
  merkleRoot,
  updateDid,
} from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'
import { newDid } from '../helpers.js'
import { ledgerConformance } from './conformance.js'

const root = mkdtempSync(join(tmpdir(), 'grid-did-sqlite-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshPath = () => join(root, `ledger-${n++}`, 'ledger.db')

ledgerConformance(
  'SqliteLedger',
  async (clock) => {
    const path = freshPath()
    const ledger = new SqliteLedger(path, { clock, create: true })
    return {
      ledger,
      reopen: async () => {
        await ledger.close()
        return new SqliteLedger(path, { clock })
      },
    }
  },
  { durable: true },
)

describe('SqliteLedger specifics', () => {
  it('reads one DID through the (suffix, height, position) index, not a table scan', () => {
    const path = freshPath()
    const ledger = new SqliteLedger(path, { create: true })
    void ledger.close()
    const db = new Database(path, { readonly: true })
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT o.height, o.position, b.time, o.bytes FROM operations o JOIN batches b ON b.height = o.height
         WHERE o.suffix = ? AND o.height > ? AND o.height <= ? AND b.time <= ? ORDER BY o.height, o.position`,
      )
      .all(Buffer.alloc(32), 0, 10, 10) as { detail: string }[]
    db.close()
    const details = plan.map((p) => p.detail).join(' | ')
    expect(details).toMatch(/SEARCH o USING INDEX operations_by_did \(suffix=\? AND height>\? AND height<\?\)/)
    expect(details).not.toMatch(/SCAN o/)
    expect(details).not.toMatch(/TEMP B-TREE/)
  })

  it('refuses a store written by a newer schema', async () => {
    const path = freshPath()
    await new SqliteLedger(path, { create: true }).close()
    const db = new Database(path)
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run()
    db.close()
    expect(() => new SqliteLedger(path)).toThrow(LedgerCorruptError)
    expect(() => new SqliteLedger(path)).toThrow(/schema 99, this version reads schemas 1 and 2/)
  })

  it('reports a file that is not a database as corrupt, not as an empty ledger', () => {
    const path = join(root, 'not-a-db')
    writeFileSync(path, 'this is not sqlite'.repeat(100))
    let caught: unknown
    try {
      new SqliteLedger(path)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(LedgerCorruptError)
    expect((caught as LedgerCorruptError).code).toBe('ERR_GRID_LEDGER_CORRUPT')
    expect((caught as Error).message).toMatch(/is not an intact ledger/)
    expect(() => new SqliteLedger('')).toThrow(TypeError)
  })

  it('refuses a missing file unless asked to create one, so a wrong path never serves an empty ledger', async () => {
    const path = join(root, 'not-mounted', 'ledger.db')
    for (const options of [{}, { readonly: true }, { readonly: true, create: true }]) {
      let caught: unknown
      try {
        new SqliteLedger(path, options)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(LedgerUnavailableError)
      expect((caught as LedgerUnavailableError).code).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
      expect((caught as Error).message).toMatch(/no ledger at .*pass \{ create: true \}/)
    }
    const created = new SqliteLedger(path, { create: true })
    await created.close()
    const reopened = new SqliteLedger(path)
    expect((await reopened.head()).height).toBe(0)
    await reopened.close()
  })

  it('verifies its integrity and detects a tampered Merkle root', async () => {
    const path = freshPath()
    const ledger = new SqliteLedger(path, { create: true })
    const a = await newDid('int-a')
    const b = await newDid('int-b')
    await ledger.submit([a.create, b.create])
    await ledger.submit([(await newDid('int-c')).create])
    expect(await ledger.verifyIntegrity()).toEqual({ batches: 2, operations: 3 })
    await ledger.close()
    const db = new Database(path)
    db.prepare('UPDATE batches SET root = ? WHERE height = 1').run(Buffer.alloc(32))
    db.close()
    const reopened = new SqliteLedger(path)
    await expect(reopened.verifyIntegrity()).rejects.toThrow(LedgerCorruptError)
    await expect(reopened.verifyIntegrity()).rejects.toThrow(/batch 1 does not match its Merkle root/)
    await reopened.close()
  })

  it('returns no operations for a malformed suffix instead of failing', async () => {
    const ledger = new SqliteLedger(freshPath(), { create: true })
    expect(await ledger.read('A'.repeat(52))).toEqual([])
    expect(await ledger.read('short')).toEqual([])
    await ledger.close()
  })
})

describe('durability', () => {
  it('keeps every acknowledged batch when the writer is killed with SIGKILL mid-stream', async () => {
    const path = freshPath()
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'writer.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const acked: { cid: string; did: string; height: number; position: number }[] = []
    const lines = createInterface({ input: child.stdout! })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    for await (const line of lines) {
      acked.push(...(JSON.parse(line) as typeof acked))
      // Kill while the writer is still submitting (it never stops on its own before 10,000 batches).
      if (acked.length >= 400) {
        child.kill('SIGKILL')
        break
      }
    }
    expect(await exited).toBe('SIGKILL')
    expect(acked.length).toBeGreaterThanOrEqual(400)

    const ledger = new SqliteLedger(path)
    const integrity = await ledger.verifyIntegrity()
    expect(integrity.operations).toBeGreaterThanOrEqual(acked.length)
    for (const receipt of acked) {
      const ops = await ledger.read(receipt.did.split(':')[3]!)
      const found = ops.find((o) => o.height === receipt.height && o.position === receipt.position)
      expect(found, `acknowledged ${receipt.cid} at ${receipt.height}:${receipt.position}`).toBeDefined()
      // The operation read back is the acknowledged one and still verifies.
      const history = foldOperations(receipt.did, ops)
      expect(history.versions[0]!.cid).toBe(receipt.cid)
    }
    await ledger.close()
  })
})

/** The store as release 0.1.0 wrote it (schema 1, before checkpoints), verbatim. */
const SCHEMA_1_BEFORE_CHECKPOINTS = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS batches (
    height INTEGER PRIMARY KEY,
    time   INTEGER NOT NULL,
    root   BLOB    NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS operations (
    height   INTEGER NOT NULL REFERENCES batches(height),
    position INTEGER NOT NULL,
    suffix   BLOB    NOT NULL,
    digest   BLOB    NOT NULL UNIQUE,
    bytes    BLOB    NOT NULL,
    PRIMARY KEY (height, position)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS operations_by_did ON operations (suffix, height, position);
`

describe('checkpoints', () => {
  const checkpoint = (suffix: string, height: number, state = `state at ${height}`) => ({ suffix, height, operations: height * 2, state })

  it('keeps them per index key: the newest at or below a height, replaced at the same height, the newest three kept', async () => {
    const ledger = new SqliteLedger(freshPath(), { create: true })
    const a = (await newDid('cp-a')).create.suffix
    const b = (await newDid('cp-b')).create.suffix
    expect(await ledger.readCheckpoint(a, 100)).toBeUndefined()
    await ledger.writeCheckpoint(checkpoint(a, 10))
    await ledger.writeCheckpoint(checkpoint(a, 20))
    await ledger.writeCheckpoint(checkpoint(b, 15))
    expect(await ledger.readCheckpoint(a, 9)).toBeUndefined()
    expect(await ledger.readCheckpoint(a, 10)).toEqual(checkpoint(a, 10))
    expect(await ledger.readCheckpoint(a, 19)).toEqual(checkpoint(a, 10))
    expect(await ledger.readCheckpoint(a, 1000)).toEqual(checkpoint(a, 20))
    expect(await ledger.readCheckpoint(b, 1000)).toEqual(checkpoint(b, 15))
    await ledger.writeCheckpoint(checkpoint(a, 20, 'replaced'))
    expect(await ledger.readCheckpoint(a, 20)).toEqual(checkpoint(a, 20, 'replaced'))
    await ledger.writeCheckpoint(checkpoint(a, 30))
    await ledger.writeCheckpoint(checkpoint(a, 40))
    // 10 is pruned; 20, 30, 40 stay; b is untouched.
    expect(await ledger.readCheckpoint(a, 19)).toBeUndefined()
    expect(await ledger.readCheckpoint(a, 29)).toEqual(checkpoint(a, 20, 'replaced'))
    expect(await ledger.readCheckpoint(a, 40)).toEqual(checkpoint(a, 40))
    expect(await ledger.readCheckpoint(b, 15)).toEqual(checkpoint(b, 15))
    // Checkpoints are no ledger data: they change neither the head nor the integrity check.
    expect(await ledger.head()).toEqual({ height: 0, time: 0, finalizedHeight: 0 })
    expect(await ledger.verifyIntegrity()).toEqual({ batches: 0, operations: 0 })
    await ledger.close()
  })

  it('refuses malformed checkpoints and reads', async () => {
    const ledger = new SqliteLedger(freshPath(), { create: true })
    const suffix = (await newDid('cp-args')).create.suffix
    const cases: [unknown, ErrorConstructor, string][] = [
      [{ ...checkpoint(suffix, 1), suffix: 'short' }, TypeError, 'checkpoint.suffix must be an index key'],
      [{ ...checkpoint(suffix, 1), height: -1 }, RangeError, 'checkpoint.height must be a non-negative integer'],
      [{ ...checkpoint(suffix, 1), height: 1.5 }, RangeError, 'checkpoint.height must be a non-negative integer'],
      [{ ...checkpoint(suffix, 1), operations: Number.NaN }, RangeError, 'checkpoint.operations must be a non-negative integer'],
      [{ ...checkpoint(suffix, 1), state: { not: 'text' } }, TypeError, 'checkpoint.state must be a string'],
      [undefined, TypeError, 'checkpoint.suffix must be an index key'],
    ]
    for (const [given, type, message] of cases) {
      const err = await ledger.writeCheckpoint(given as never).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, message).toBeInstanceOf(type)
      expect((err as Error).message).toBe(message)
    }
    await expect(ledger.readCheckpoint(42 as never, 1)).rejects.toThrow(new TypeError('suffix must be a string'))
    await expect(ledger.readCheckpoint(suffix, -1)).rejects.toThrow(new RangeError('height must be a non-negative integer'))
    expect(await ledger.readCheckpoint('A'.repeat(52), 1)).toBeUndefined()
    await ledger.close()
    await expect(ledger.readCheckpoint(suffix, 1)).rejects.toBeInstanceOf(LedgerClosedError)
    await expect(ledger.writeCheckpoint(checkpoint(suffix, 1))).rejects.toBeInstanceOf(LedgerClosedError)
  })

  it('looks one up with one primary-key search', () => {
    const path = freshPath()
    void new SqliteLedger(path, { create: true }).close()
    const db = new Database(path, { readonly: true })
    const plan = db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT height, operations, state FROM checkpoints WHERE suffix = ? AND height <= ? ORDER BY height DESC LIMIT 1',
      )
      .all(Buffer.alloc(32), 10) as { detail: string }[]
    db.close()
    const details = plan.map((p) => p.detail).join(' | ')
    expect(details).toMatch(/SEARCH checkpoints USING INDEX sqlite_autoindex_checkpoints_1 \(suffix=\? AND height<\?\)/)
    expect(details).not.toMatch(/TEMP B-TREE/)
  })

  it('writes without waiting for another writer’s lock, and restores the store’s durability settings', async () => {
    const path = freshPath()
    const ledger = new SqliteLedger(path, { create: true })
    const suffix = (await newDid('cp-lock')).create.suffix
    const other = new Database(path)
    other.prepare('BEGIN IMMEDIATE').run()
    const started = performance.now()
    await expect(ledger.writeCheckpoint(checkpoint(suffix, 1))).rejects.toBeInstanceOf(LedgerUnavailableError)
    expect(performance.now() - started).toBeLessThan(1000)
    other.prepare('ROLLBACK').run()
    other.close()
    await ledger.writeCheckpoint(checkpoint(suffix, 1))
    expect(await ledger.readCheckpoint(suffix, 1)).toEqual(checkpoint(suffix, 1))
    const db = (ledger as unknown as { db: Database.Database }).db
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    await ledger.close()
  })

  it('opens a schema-1 file written before checkpoints existed: read-only without them, writable migrated to schema 2', async () => {
    const path = freshPath()
    mkdirSync(dirname(path), { recursive: true })
    const d = await newDid('cp-old')
    const update = await updateDid({ did: d.create.did, head: d.create.cid, deactivated: false }, d.update, {
      patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://old.example'] }],
    })
    const ops = [d.create, update]
    const old = new Database(path)
    old.pragma('journal_mode = WAL')
    old.exec(SCHEMA_1_BEFORE_CHECKPOINTS)
    old.prepare("INSERT INTO meta (key, value) VALUES ('schema', '1')").run()
    old.prepare('INSERT INTO batches (height, time, root) VALUES (1, ?, ?)').run(1_767_225_600, merkleRoot(ops.map((op) => op.digest)))
    ops.forEach((op, position) =>
      old
        .prepare('INSERT INTO operations (height, position, suffix, digest, bytes) VALUES (1, ?, ?, ?, ?)')
        .run(position, base32.baseDecode(op.suffix), op.digest, op.bytes),
    )
    old.close()
    const resolve = async (ledger: SqliteLedger) =>
      new GridResolver({ networks: { test: ledger }, cache: false, checkpoints: { every: 1 } }).resolve(d.create.did)

    const readonly = new SqliteLedger(path, { readonly: true })
    expect((await resolve(readonly)).didDocumentMetadata.versionId).toBe('2')
    expect(await readonly.readCheckpoint(d.create.suffix, 1)).toBeUndefined()
    await readonly.writeCheckpoint(checkpoint(d.create.suffix, 1)) // ignored
    await readonly.close()

    const writable = new SqliteLedger(path)
    expect(await writable.verifyIntegrity()).toEqual({ batches: 1, operations: 2 })
    const resolved = await resolve(writable)
    expect(resolved.didDocumentMetadata.versionId).toBe('2')
    expect((await writable.readCheckpoint(d.create.suffix, 1))?.operations).toBe(2)
    await writable.close()

    const db = new Database(path, { readonly: true })
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema'").get()).toEqual({ value: '2' })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
    // The migration computed the key's head from the operations.
    expect(db.prepare('SELECT operations, height, position FROM key_heads').all()).toEqual([{ operations: 2, height: 1, position: 1 }])
    db.close()
    expect(tables).toEqual([{ name: 'batches' }, { name: 'checkpoints' }, { name: 'key_heads' }, { name: 'meta' }, { name: 'operations' }])
    // A later read-only open sees the checkpoint, and the answer is the same.
    const again = new SqliteLedger(path, { readonly: true })
    expect(await resolve(again)).toEqual(resolved)
    await again.close()
  })
})
