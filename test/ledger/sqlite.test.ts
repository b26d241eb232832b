import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { LedgerCorruptError, LedgerUnavailableError, foldOperations } from '../../src/index.js'
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
    expect(() => new SqliteLedger(path)).toThrow(/schema 99, this version reads schema 1/)
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
