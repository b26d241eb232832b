import { InvalidOperationError, type OperationFaultReason } from '../errors.js'
import { DidFold } from './did-fold.js'
import type { EncodedOperation } from './operation-types.js'
import type { DidState } from './state-types.js'

/**
 * The fault the fold would skip `operation` with if it were anchored next on top of `state` (a
 * DID's latest state; undefined when the DID does not exist yet), or undefined when it would apply.
 * The fold's own rules, run on one operation: what honest writers check before anchoring.
 *
 * @example `faultOnState(await resolver.resolveState(did), op) // { reason: 'unauthorized', … }`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution-algorithm
 */
export function faultOnState(
  state: DidState | undefined,
  operation: EncodedOperation,
): { reason: OperationFaultReason; message: string } | undefined {
  const fold = DidFold.resume(state?.did ?? operation.did, state?.suffix ?? operation.suffix, state)
  fold.push({ bytes: operation.bytes, height: 0, position: 0, time: 0, cid: operation.cid, decoded: operation })
  const skip = fold.skipped[0]
  return skip && { reason: skip.reason, message: skip.message }
}

/**
 * Refuses, before anything is anchored, an operation the fold would skip on top of `state`: an
 * honest writer does not anchor junk (readers still skip junk from dishonest ones).
 *
 * @throws {InvalidOperationError} with the fold's fault reason (`unauthorized`,
 *   `wrong-predecessor`, `after-deactivation`, `invalid-patch`, …) and the rule in the message.
 * @example
 * ```ts
 * const op = await updateDid(state, key, { patches })
 * assertApplies(state, op) // throws unless the update would apply
 * await ledger.submit([op.bytes])
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution-algorithm
 */
export function assertApplies(state: DidState | undefined, operation: EncodedOperation): void {
  const fault = faultOnState(state, operation)
  if (fault) throw refusal(operation, fault)
}

/** The error of an operation an honest writer refuses to anchor. @internal */
export function refusal(operation: EncodedOperation, fault: { reason: OperationFaultReason; message: string }): InvalidOperationError {
  return new InvalidOperationError(
    fault.reason,
    `the ${operation.operation.type} of ${operation.did} would not apply, so it was not anchored: ${fault.message}`,
  )
}
