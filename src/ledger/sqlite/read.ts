import type { ReadOptions } from '../types.js'
import { checkComplete } from './integrity.js'
import type { KeyHead, KeyStatements, OpRow, Statements } from './statements.js'

/**
 * One DID's operation rows in `options`' range: one index range scan, checked against the key's
 * head (when the file has heads). Run it inside a read transaction, so the rows and the head come
 * from the same snapshot.
 */
export function readRows(
  stmt: Statements,
  keys: KeyStatements | undefined,
  suffix: string,
  key: Uint8Array,
  options: ReadOptions,
): OpRow[] {
  const after = options.afterHeight ?? 0
  const until = options.untilHeight ?? Number.MAX_SAFE_INTEGER
  const untilTime = options.untilTime ?? Number.MAX_SAFE_INTEGER
  const found = stmt.read.all(
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
  if (keys) {
    // Only the last page of a read ends where the key's head does; a full one is followed by more.
    const lastPage = options.limit === undefined || found.length < options.limit
    const counted = lastPage ? () => (keys!.count.get(key) as { n: number }).n : undefined
    checkComplete(suffix, found, keys.get.get(key) as KeyHead | undefined, {
      after,
      until,
      untilTime,
      cursor: options.after,
      lastPage,
      counted,
    })
  }
  return found
}
