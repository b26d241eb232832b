import { LedgerRejectedError, type RejectedOperation } from '../errors.js'
import { MAX_TIME } from '../lib/time.js'
import { LIMITS } from '../method/limits.js'
import { runDeferredCheck, type DeferredCheck } from '../lib/crypto.js'
import { decodeOperationDeferred } from '../method/decode-operation.js'
import { rememberValidKeys, type DeferredKey } from '../method/keys.js'
import { decodeOperation, operationFault, type EncodedOperation } from '../method/operation.js'
import type { ReadOptions, Submittable } from './types.js'

/** What admission returns: the decoded operations, duplicates removed, and each input's place in them. */
export interface Admitted {
  unique: EncodedOperation[]
  indexOf: number[]
}

/**
 * Where admission's costly checks run (signatures, curve points): `add` is called once per distinct
 * operation, in order, while the batch is decoded (so a pool can start early); `done` gives one
 * verdict per added check, in order, each exactly `runDeferredCheck(check)` (src/lib/crypto.ts).
 * @internal
 */
export interface CheckSession {
  add(check: DeferredCheck): void
  done(): Promise<boolean[]>
}

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
export function admitBatch(operations: readonly Submittable[]): Admitted {
  const prepared = prepare(operations, undefined)
  return finish(prepared, prepared.checks.map(runDeferredCheck))
}

/**
 * {@link admitBatch} with the costly checks run by `session` (worker threads): the same result, the
 * same errors, the same {@link LedgerRejectedError} listing.
 * @internal
 */
export async function admitBatchWith(operations: readonly Submittable[], session: CheckSession): Promise<Admitted> {
  const prepared = prepare(operations, session)
  const verdicts = await session.done()
  if (verdicts.length !== prepared.checks.length) throw new Error('check session returned a wrong number of verdicts')
  return finish(prepared, verdicts)
}

interface Prepared {
  copies: Uint8Array[]
  fast: ({ op: EncodedOperation; keys: DeferredKey[]; check: number } | undefined)[]
  checks: DeferredCheck[]
}

// Decodes every operation with the costly checks deferred (an operation repeated in the batch is
// checked once). An operation whose deferred decoding fails is decoded again in full by `finish`.
function prepare(operations: readonly Submittable[], session: CheckSession | undefined): Prepared {
  if (!Array.isArray(operations)) throw new TypeError('operations must be an array')
  if (operations.length === 0) throw new RangeError('operations must not be empty')
  if (operations.length > LIMITS.batchOperations) {
    throw new RangeError(`operations may hold at most ${LIMITS.batchOperations} entries, got ${operations.length}`)
  }
  const copies = operations.map((item, index) => {
    const given = item instanceof Uint8Array ? item : item?.bytes
    if (!(given instanceof Uint8Array)) throw new TypeError(`operations[${index}] must be a Uint8Array or { bytes: Uint8Array }`)
    // A private copy: the caller may reuse its buffer after submit returns. (The constructor copies
    // natively; Uint8Array.from iterates element by element.)
    return new Uint8Array(given)
  })
  const checks: DeferredCheck[] = []
  const byCid = new Map<string, number>()
  const fast = copies.map((bytes) => {
    let decoded: ReturnType<typeof decodeOperationDeferred>
    try {
      decoded = decodeOperationDeferred(bytes)
    } catch {
      return undefined
    }
    let check = byCid.get(decoded.op.cid)
    if (check === undefined) {
      check = checks.push(decoded.check) - 1
      byCid.set(decoded.op.cid, check)
      session?.add(decoded.check)
    }
    return { op: decoded.op, keys: decoded.keys, check }
  })
  return { copies, fast, checks }
}

// The verdicts in hand: an operation whose deferred decoding and checks all passed is the one
// decodeOperation returns; any other is decoded in full, which names the rule it breaks.
function finish({ copies, fast }: Prepared, verdicts: readonly boolean[]): Admitted {
  const rejected: RejectedOperation[] = []
  const unique: EncodedOperation[] = []
  const indexOf: number[] = []
  const seen = new Map<string, number>()
  copies.forEach((bytes, index) => {
    const quick = fast[index]
    try {
      let op: EncodedOperation
      if (quick && verdicts[quick.check] === true) {
        op = quick.op
        rememberValidKeys(quick.keys)
      } else op = decodeOperation(bytes)
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
