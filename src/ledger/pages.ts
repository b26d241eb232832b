import { LedgerCorruptError } from '../errors.js'
import type { AnchoredOperation } from '../method/state.js'
import type { Ledger, ReadOptions } from './types.js'

/** Operations per page of {@link readPages} unless told otherwise. */
export const READ_PAGE_SIZE = 64

/**
 * One key's log in ledger order, page by page: each page is one `ledger.read` with `limit` and the
 * cursor of the page before, so however long the log is, a reader holds one page of operations at
 * once (at most `pageSize` operations of at most 64 KiB each). Each page is in ledger order and inside
 * the range whatever the adapter returns: a ledger that ignores the range or repeats a page cannot
 * make a reader fold an operation twice.
 *
 * @throws {RangeError} when `pageSize` is not a positive integer; what the ledger throws;
 *   {@link LedgerCorruptError} when a full page brings nothing past the cursor (a ledger that
 *   ignores `after` would otherwise be read as ending early).
 * @example
 * ```ts
 * for await (const page of readPages(ledger, suffix, { untilHeight: head.finalizedHeight })) {
 *   for (const op of page) fold.push(checkOperation(op))
 * }
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#anchoring
 */
export async function* readPages(
  ledger: Pick<Ledger, 'read'>,
  suffix: string,
  options: Omit<ReadOptions, 'limit'> = {},
  pageSize = READ_PAGE_SIZE,
): AsyncGenerator<AnchoredOperation[], void, undefined> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer')
  const { afterHeight = 0, untilHeight = Number.MAX_SAFE_INTEGER } = options
  let after = options.after
  for (;;) {
    const got = await ledger.read(suffix, { ...options, ...(after ? { after } : {}), limit: pageSize })
    const page = got
      .filter(
        (op) =>
          op.height > afterHeight &&
          op.height <= untilHeight &&
          (!after || op.height > after.height || (op.height === after.height && op.position > after.position)),
      )
      .sort((a, b) => a.height - b.height || a.position - b.position)
    if (page.length > 0) {
      yield page
      const last = page.at(-1)!
      after = { height: last.height, position: last.position }
    } else if (got.length >= pageSize) {
      throw new LedgerCorruptError(`the ledger returned a full page of ${suffix} with nothing after the cursor`)
    }
    // A page shorter than asked for is the last (spec §Anchoring); a longer one comes from a ledger
    // that ignores `limit` and so returned the whole rest of the range.
    if (got.length !== pageSize) return
  }
}
