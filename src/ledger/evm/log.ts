import { decodeEventLog, type Hex } from '../peers/viem.js'
import { decodeOperation, type EncodedOperation } from '../../method/operation.js'
import { ABI, bytesOf, hexOf, keyOf } from './abi.js'
import type { ChainOperation, LogEvent } from './types.js'

/**
 * Decodes one `Anchored` log (`event`: where it sits in the key's change chain) and checks its
 * operation: its own signatures, its digest and its key (`operation` only when all hold).
 */
export function checkLog(
  log: { topics: [Hex, ...Hex[]]; data: Hex; blockNumber: Hex },
  known?: ReadonlyMap<string, EncodedOperation>,
  want?: (event: LogEvent) => boolean,
): {
  event?: LogEvent
  operation?: ChainOperation
} {
  let args: { key: Hex; digest: Hex; previousChange: bigint; position: number; time: bigint; operation: Hex }
  try {
    args = decodeEventLog({ abi: ABI, eventName: 'Anchored', topics: log.topics, data: log.data }).args as typeof args
  } catch {
    return {}
  }
  const event: LogEvent = {
    height: Number(log.blockNumber),
    position: args.position,
    time: Number(args.time),
    previousChange: Number(args.previousChange),
  }
  if (want && !want(event)) return { event }
  let op = known?.get(args.digest)
  const bytes = op && hexOf(op.bytes) === args.operation ? op.bytes : bytesOf(args.operation)
  if (!op || bytes !== op.bytes) {
    try {
      op = decodeOperation(bytes)
    } catch {
      return { event }
    }
  }
  if (hexOf(op.digest) !== args.digest || keyOf(op.suffix) !== args.key) return { event }
  return {
    event,
    operation: { bytes, height: event.height, position: event.position, time: Number(args.time), op, previousChange: event.previousChange },
  }
}

/** Ledger order: by block, then by position in the block. */
export function ledgerOrder(a: { height: number; position: number }, b: { height: number; position: number }): number {
  return a.height - b.height || a.position - b.position
}
