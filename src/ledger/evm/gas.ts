import type { EncodedOperation } from '../../method/operation.js'

/** EIP-7825's cap on one transaction's gas (Osaka): 2^24. */
export const MAX_TRANSACTION_GAS = 16_777_216

/** What one transaction costs before any operation: intrinsic gas, the writer and cursor checks, the ABI head. */
const BASE = 21_000 + 40_000
/** Per operation beyond its bytes: a cold key slot read and its write as a new slot, the log's base and topics, the loop. */
const PER_OPERATION = 2_100 + 20_000 + 375 + 2 * 375 + 1_000

/**
 * An upper bound of the gas an `anchor` call of the bundled registry uses for `operations`, whose
 * keys `fresh[i]` tells may have no slot yet (a key that has one keeps it, and its write costs
 * 2,900 instead of 20,000): calldata at 16 per byte, or Prague's floor (EIP-7623, 10 per token) when
 * that is higher; per operation a cold slot read and write, the log (375 a topic, 8 a data byte),
 * keccak256 and the copy into memory, which every operation reuses (it grows to the largest one).
 * Checked against real gas use in test/ledger/evm.test.ts.
 */
export function gasFor(operations: readonly EncodedOperation[], fresh?: readonly boolean[]): number {
  // ABI: selector, two offsets, two lengths.
  let standard = 4 * 16 + 4 * 32 * 4
  let tokens = 4 * 4 + 4 * 32
  let execution = BASE
  let largest = 0
  operations.forEach((op, i) => {
    const length = op.bytes.length
    const words = Math.ceil(length / 32)
    // The key, an offset and a length word (both under four bytes), the bytes and their zero padding.
    standard += 32 * 16 + 2 * (4 * 16 + 28 * 4) + length * 16 + (words * 32 - length) * 4
    tokens += 32 * 4 + 2 * (4 * 4 + 28) + length * 4 + (words * 32 - length)
    execution += PER_OPERATION - (fresh?.[i] === false ? 17_100 : 0) + 8 * (32 + length) + 12 * words
    largest = Math.max(largest, words + 1)
  })
  execution += 3 * largest + Math.ceil((largest * largest) / 512)
  return Math.max(standard + execution, 21_000 + 10 * tokens)
}

/**
 * Splits `operations` into transactions in order, as many as fit under `cap` gas by {@link gasFor}
 * and at most `max` each; each with the gas limit to send it with.
 *
 * @throws RangeError when one operation alone needs more than `cap`.
 */
export function chunksFor(
  operations: readonly EncodedOperation[],
  fresh: readonly boolean[],
  cap: number,
  max: number,
): { operations: EncodedOperation[]; gas: number }[] {
  const chunks: { operations: EncodedOperation[]; gas: number }[] = []
  let start = 0
  while (start < operations.length) {
    if (gasFor(operations.slice(start, start + 1), fresh.slice(start, start + 1)) > cap) {
      const op = operations[start]!
      throw new RangeError(`operation ${op.cid} (${op.bytes.length} bytes) may need more gas than maxTransactionGas (${cap}) allows`)
    }
    // The largest prefix that fits: gas grows with every operation, so a binary search finds it.
    let [lo, hi] = [start + 1, Math.min(operations.length, start + max)]
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if (gasFor(operations.slice(start, mid), fresh.slice(start, mid)) <= cap) lo = mid
      else hi = mid - 1
    }
    chunks.push({ operations: operations.slice(start, lo), gas: gasFor(operations.slice(start, lo), fresh.slice(start, lo)) })
    start = lo
  }
  return chunks
}
