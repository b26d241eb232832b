import type { Hex } from 'viem'
import { decodeOperation, type EncodedOperation } from '../../method/operation.js'
import { sha256 } from '../../lib/crypto.js'
import { ANCHORED, bytesOf, hexOf, keyOf } from './abi.js'
import type { ChainOperation, LogEvent } from './types.js'

const U32 = 0xffff_ffffn
const U64 = 0xffff_ffff_ffff_ffffn

/**
 * The fields of one registry log of an anchored operation, undefined when it is not one (its data
 * is one word `previousChange << 96 | position << 64 | time`, then the operation's bytes).
 */
export function parseLog(log: {
  topics: readonly Hex[]
  data: Hex
  blockNumber: Hex
}): (LogEvent & { key: Hex; bytes: Uint8Array }) | undefined {
  const [topic0, key] = log.topics
  if (topic0 !== ANCHORED || key === undefined || log.data.length < 2 + 64) return undefined
  const where = BigInt(log.data.slice(0, 66))
  return {
    key,
    height: Number(log.blockNumber),
    position: Number((where >> 64n) & U32),
    time: Number(where & U64),
    previousChange: Number(where >> 96n),
    bytes: bytesOf(`0x${log.data.slice(66)}`),
  }
}

/**
 * Decodes one registry log (`event`: where it sits in the key's change chain) and checks its
 * operation: its own signatures and its key (`operation` only when both hold). `known` operations
 * (by digest) were checked already.
 */
export function checkLog(
  log: { topics: readonly Hex[]; data: Hex; blockNumber: Hex },
  known?: ReadonlyMap<string, EncodedOperation>,
  want?: (event: LogEvent) => boolean,
): {
  event?: LogEvent
  operation?: ChainOperation
} {
  const parsed = parseLog(log)
  if (!parsed) return {}
  const { key, bytes, ...event } = parsed
  if (want && !want(event)) return { event }
  let op: EncodedOperation
  try {
    op = knownOperation(bytes, known) ?? decodeOperation(bytes)
  } catch {
    return { event }
  }
  if (keyOf(op.suffix) !== key) return { event }
  return { event, operation: { bytes, ...event, op } }
}

/** The already checked operation with exactly these bytes, if `known` holds one. */
function knownOperation(bytes: Uint8Array, known?: ReadonlyMap<string, EncodedOperation>): EncodedOperation | undefined {
  if (!known || known.size === 0) return undefined
  const op = known.get(hexOf(sha256(bytes)))
  return op && op.bytes.length === bytes.length && Buffer.compare(op.bytes, bytes) === 0 ? op : undefined
}

/** Ledger order: by block, then by position in the block. */
export function ledgerOrder(a: { height: number; position: number }, b: { height: number; position: number }): number {
  return a.height - b.height || a.position - b.position
}
