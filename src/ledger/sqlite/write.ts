import type Database from 'better-sqlite3'
import { toHex } from '../../lib/bytes.js'
import type { EncodedOperation } from '../../method/operation.js'
import { nextTime } from '../admit.js'
import { merkleRoot } from '../merkle.js'
import type { Receipt } from '../types.js'
import type { KeyStatements, Statements } from './statements.js'
import { suffixBytes } from './suffix.js'

/**
 * Anchors the operations not stored yet as the next batch (one height, positions in order, the
 * clock's time, their Merkle root), inside the caller's write transaction. Returns every
 * operation's receipt by CID, the ones stored before included.
 */
export function appendBatch(
  stmt: Statements,
  keys: KeyStatements | undefined,
  clock: () => number,
  unique: readonly EncodedOperation[],
): Map<string, Receipt> {
  const byCid = new Map<string, Receipt>()
  const fresh = []
  for (const op of unique) {
    const existing = stmt.receiptByDigest.get(op.digest) as { height: number; position: number; time: number; root: Buffer } | undefined
    if (existing) {
      byCid.set(op.cid, {
        cid: op.cid,
        did: op.did,
        height: existing.height,
        position: existing.position,
        time: existing.time,
        batchRoot: toHex(existing.root),
      })
    } else fresh.push(op)
  }
  if (fresh.length > 0) {
    const last = stmt.head.get() as { height: number; time: number } | undefined
    const height = (last?.height ?? 0) + 1
    const time = nextTime(clock, last?.time ?? 0)
    const root = merkleRoot(fresh.map((op) => op.digest))
    stmt.insertBatch.run(height, time, root)
    const batchRoot = toHex(root)
    fresh.forEach((op, position) => {
      const key = suffixBytes(op.suffix)
      stmt.insertOp.run(height, position, key, op.digest, op.bytes)
      keys?.bump.run(key, height, position)
      byCid.set(op.cid, { cid: op.cid, did: op.did, height, position, time, batchRoot })
    })
  }
  return byCid
}

/**
 * Stores batches found on a chain at their own heights (which may have gaps), moves the sync mark
 * `markKey` to `mark`, and sets the `meta` entries, in one write transaction. Batches at or below
 * the stored mark are skipped: another process sharing the file may have got there first. An
 * operation stored already (a duplicate on the chain) is not stored again.
 */
export function importBatches(
  db: Database.Database,
  stmt: Statements,
  keys: KeyStatements | undefined,
  batches: readonly { height: number; time: number; operations: readonly { position: number; op: EncodedOperation }[] }[],
  markKey: string,
  mark: number,
  meta: Record<string, string>,
): void {
  db.transaction(() => {
    const current = Number((stmt.getMeta.get(markKey) as { value: string } | undefined)?.value ?? 0)
    if (mark <= current) return
    for (const b of batches) {
      if (b.height <= current) continue
      // A chain may carry an operation twice (a writer can re-anchor one that is not its key's
      // last): readers skip the copy, so the index keeps the first and roots what it keeps.
      const seen = new Set<string>()
      const fresh = b.operations.filter(({ op }) => {
        const digest = toHex(op.digest)
        if (seen.has(digest) || stmt.receiptByDigest.get(op.digest) !== undefined) return false
        seen.add(digest)
        return true
      })
      if (fresh.length === 0) continue
      stmt.insertBatch.run(b.height, b.time, merkleRoot(fresh.map(({ op }) => op.digest)))
      for (const { position, op } of fresh) {
        const key = suffixBytes(op.suffix)
        stmt.insertOp.run(b.height, position, key, op.digest, op.bytes)
        keys?.bump.run(key, b.height, position)
      }
    }
    for (const [key, value] of Object.entries({ ...meta, [markKey]: String(mark) })) stmt.setMeta.run(key, value)
  }).immediate()
}
