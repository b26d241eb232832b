import type Database from 'better-sqlite3'
import { LedgerCorruptError } from '../../errors.js'
import { toHex } from '../../lib/bytes.js'
import { merkleRoot } from '../merkle.js'
import type { LogPosition } from '../types.js'
import type { KeyHead, KeyStatements, OpRow, Statements } from './statements.js'

/**
 * SQLite's own consistency check, every batch's Merkle root (heights 1, 2, 3… when `gapless`) and
 * every key's head.
 */
export function verifyIntegrity(
  db: Database.Database,
  stmt: Statements,
  keys: KeyStatements | undefined,
  gapless: boolean,
): { batches: number; operations: number } {
  const check = db.pragma('integrity_check', { simple: true })
  if (check !== 'ok') throw new LedgerCorruptError(`SQLite integrity check failed: ${String(check)}`)
  // Rows that lost their batch (written with foreign keys off) are damage the resolver sees too.
  const orphans = db.pragma('foreign_key_check') as unknown[]
  if (orphans.length > 0) throw new LedgerCorruptError(`${orphans.length} rows refer to a batch or key that does not exist`)
  const heights = db.prepare('SELECT height, root FROM batches ORDER BY height').all() as { height: number; root: Buffer }[]
  let operations = 0
  heights.forEach((b, i) => {
    if (gapless && b.height !== i + 1) throw new LedgerCorruptError(`batch heights are not contiguous at ${b.height}`)
    const digests = (stmt.batchOps.all(b.height) as { digest: Buffer }[]).map((d) => new Uint8Array(d.digest))
    if (digests.length === 0 || toHex(merkleRoot(digests)) !== toHex(b.root)) {
      throw new LedgerCorruptError(`batch ${b.height} does not match its Merkle root`)
    }
    operations += digests.length
  })
  if (keys) {
    // Every key's head names its count and last operation (reads rely on it; see checkComplete).
    const off = db
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

/**
 * Whether the rows an index range scan returned agree with the key's head, written with them: the
 * key's last operation is the last row whenever the range covers it, and a read from the start that
 * covers it returns every operation of the key. A damaged index that drops rows (so that a DID would
 * read as "not found", or as an older version) is reported, never answered. Heights and times only
 * grow, so a range that ends at or above the head's height and time covers it.
 */
export function checkComplete(
  suffix: string,
  rows: readonly OpRow[],
  head: KeyHead | undefined,
  read: {
    after: number
    until: number
    untilTime: number
    cursor: LogPosition | undefined
    lastPage: boolean
    counted: (() => number) | undefined
  },
): void {
  const fail = (what: string) => {
    throw new LedgerCorruptError(
      `the ledger's index of ${suffix} disagrees with its records (${what}); run verifyIntegrity() or restore the store`,
    )
  }
  if (!head) {
    if (rows.length > 0) fail(`${rows.length} operations, no head`)
    return
  }
  if (head.time === null) fail(`its head at height ${head.height} has no batch`)
  // The last operation this read has seen: this page's, else the cursor it continued from.
  const last = rows.at(-1) ?? read.cursor
  if (last && (last.height > head.height || (last.height === head.height && last.position > head.position)))
    fail('an operation past its head')
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
export function isCorruption(cause: unknown): boolean {
  const code = (cause as { code?: unknown })?.code
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT_'))
}
