/**
 * The writer's gas bound and batch split (src/ledger/evm/gas.ts), as pure functions; the bound is
 * checked against real receipts in test/ledger/evm.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { chunksFor, gasFor, MAX_TRANSACTION_GAS } from '../../../src/ledger/evm/gas.js'
import type { EncodedOperation } from '../../../src/method/operation.js'

/** Only the bytes (and a cid for messages) matter to the bound. */
const op = (length: number, byte = 0x61, cid = `op-${length}`) => ({ bytes: new Uint8Array(length).fill(byte), cid }) as EncodedOperation

describe('gasFor', () => {
  it('is EIP-7825 cap 2^24 by default', () => {
    expect(MAX_TRANSACTION_GAS).toBe(2 ** 24)
  })

  it('charges a new key slot only where the key may have none, and grows with every byte', () => {
    const one = [op(400)]
    expect(gasFor(one, [true]) - gasFor(one, [false])).toBe(17_100)
    expect(gasFor([op(401)], [false])).toBeGreaterThan(gasFor([op(400)], [false]))
    // A second operation adds at least its new slot, its calldata (16 a byte) and its log data (8 a byte).
    expect(gasFor([op(400), op(400)], [true, true]) - gasFor(one, [true])).toBeGreaterThanOrEqual(22_100 + 24 * 400)
  })

  it("takes Prague's calldata floor (10 a token, 4 tokens a non-zero byte) when it exceeds the standard cost (every byte counted as non-zero)", () => {
    // 64 KiB of non-zero bytes: the floor (~2.6 M) is above 16 a byte plus execution (~1.6 M).
    const big = op(65_536)
    expect(gasFor([big], [false])).toBeGreaterThanOrEqual(21_000 + 10 * 4 * 65_536)
    // A create's new slot makes its execution outweigh the floor: 400 bytes stay far above 16,000.
    expect(gasFor([op(400)], [true])).toBeGreaterThan(21_000 + 10 * 4 * (400 + 96) + 22_100)
  })
})

describe('chunksFor', () => {
  it('splits in order, greedily under the cap and the count, each chunk with its bound as gas', () => {
    const ops = Array.from({ length: 10 }, (_, i) => op(300 + i))
    const fresh = ops.map(() => true)
    const cap = gasFor(ops.slice(0, 3), fresh.slice(0, 3))
    const chunks = chunksFor(ops, fresh, cap, 1000)
    expect(chunks.map((c) => c.operations.length)).toEqual([3, 2, 2, 2, 1])
    expect(chunks.flatMap((c) => c.operations)).toEqual(ops)
    for (const c of chunks)
      expect(c.gas).toBe(
        gasFor(
          c.operations,
          c.operations.map(() => true),
        ),
      )
    expect(chunks.every((c) => c.gas <= cap)).toBe(true)
    expect(chunksFor(ops, fresh, MAX_TRANSACTION_GAS, 4).map((c) => c.operations.length)).toEqual([4, 4, 2])
  })

  it('refuses an operation that alone may need more than the cap, naming it', () => {
    const ops = [op(100), op(60_000, 0x61, 'bafy-big')]
    expect(() => chunksFor(ops, [true, true], 1_000_000, 1000)).toThrow(RangeError)
    expect(() => chunksFor(ops, [true, true], 1_000_000, 1000)).toThrow(
      /^operation bafy-big \(60000 bytes\) may need more gas than maxTransactionGas \(1000000\) allows$/,
    )
  })
})
