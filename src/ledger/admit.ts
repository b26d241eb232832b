import { LedgerRejectedError, type RejectedOperation } from '../errors.js'
import { MAX_TIME } from '../lib/time.js'
import { LIMITS } from '../method/limits.js'
import { decodeOperation, operationFault, type EncodedOperation } from '../method/operation.js'
import type { ReadOptions, Submittable } from './types.js'

/**
 * The checks every adapter runs before anchoring (never trust the writer: readers run them again).
 * Returns the decoded operations with duplicates inside the batch removed (first one kept), and for
 * every input index the index of its unique operation.
 *
 * @throws {TypeError} when `operations` is not an array of bytes.
 * @throws {RangeError} when the batch is empty or larger than {@link LIMITS.batchOperations}.
 * @throws {LedgerRejectedError} listing every operation that fails; nothing is anchored.
 * @internal
 */
export function admitBatch(operations: readonly Submittable[]): { unique: EncodedOperation[]; indexOf: number[] } {
  if (!Array.isArray(operations)) throw new TypeError('operations must be an array')
  if (operations.length === 0) throw new RangeError('operations must not be empty')
  if (operations.length > LIMITS.batchOperations) {
    throw new RangeError(`operations may hold at most ${LIMITS.batchOperations} entries, got ${operations.length}`)
  }
  const rejected: RejectedOperation[] = []
  const unique: EncodedOperation[] = []
  const indexOf: number[] = []
  const seen = new Map<string, number>()
  operations.forEach((item, index) => {
    const given = item instanceof Uint8Array ? item : item?.bytes
    if (!(given instanceof Uint8Array)) throw new TypeError(`operations[${index}] must be a Uint8Array or { bytes: Uint8Array }`)
    try {
      // A private copy: the caller may reuse its buffer after submit returns.
      const op = decodeOperation(Uint8Array.from(given))
      let at = seen.get(op.cid)
      if (at === undefined) {
        at = unique.push(op) - 1
        seen.set(op.cid, at)
      }
      indexOf.push(at)
    } catch (err) {
      rejected.push({ index, ...operationFault(err) })
      indexOf.push(-1)
    }
  })
  if (rejected.length > 0) {
    const first = rejected[0]!
    throw new LedgerRejectedError(
      `batch refused: ${rejected.length} invalid operation(s); first at index ${first.index}: ${first.message}`,
      rejected,
    )
  }
  return { unique, indexOf }
}

/** The ledger clock: whole Unix seconds, never going backwards. */
export function nextTime(clock: () => number, last: number): number {
  const now = Math.floor(clock())
  // Up to 9999-12-31T23:59:59Z: every anchoring time must render as an XML Schema dateTime, and a
  // clock in milliseconds by mistake is caught here instead of poisoning the ledger.
  if (!Number.isSafeInteger(now) || now < 0 || now > MAX_TIME) {
    throw new RangeError('clock must return Unix seconds between 1970 and 9999-12-31T23:59:59Z')
  }
  return Math.max(now, last)
}

export const systemClock = (): number => Date.now() / 1000

/** Validates a read's options and a suffix. */
export function checkRead(suffix: string, options: ReadOptions): void {
  if (typeof suffix !== 'string') throw new TypeError('suffix must be a string')
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  for (const name of ['afterHeight', 'untilHeight', 'untilTime'] as const) {
    const v = options[name]
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new RangeError(`${name} must be a non-negative integer`)
  }
  const { after, limit } = options
  if (after !== undefined) {
    if (typeof after !== 'object' || after === null) throw new TypeError('after must be a { height, position } object')
    if (!Number.isSafeInteger(after.height) || after.height < 0) throw new RangeError('after.height must be a non-negative integer')
    if (!Number.isSafeInteger(after.position) || after.position < 0) throw new RangeError('after.position must be a non-negative integer')
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new RangeError('limit must be a positive integer')
}

/**
 * Whether an operation at (`height`, `position`, `time`) lies in a read's range: the one filter
 * every adapter applies, so they agree on the bounds.
 */
export function inReadRange(op: { height: number; position: number; time: number }, options: ReadOptions): boolean {
  const { afterHeight = 0, untilHeight = Number.MAX_SAFE_INTEGER, untilTime = Number.MAX_SAFE_INTEGER, after } = options
  if (op.height <= afterHeight || op.height > untilHeight || op.time > untilTime) return false
  return !after || op.height > after.height || (op.height === after.height && op.position > after.position)
}

/** Validates a batch height argument. */
export function checkHeight(height: number): void {
  if (!Number.isSafeInteger(height)) throw new RangeError('height must be an integer')
}
