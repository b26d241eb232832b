import { parseDid } from './did.js'
import { checkOperation } from './check-operation.js'
import { DidFold } from './did-fold.js'
import type { AnchoredOperation, DidHistory } from './state-types.js'

/**
 * Folds a DID's anchored operations (in ledger order) to its history and latest state. Pure: it
 * verifies every signature itself and skips invalid operations with a reason instead of failing.
 *
 * @throws {InvalidDidError} when `did` is not a did:grid DID.
 * @example
 * ```ts
 * const { state, versions, skipped } = foldOperations(did, await ledger.read(parseDid(did).suffix))
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution-algorithm
 */
export function foldOperations(did: string, operations: Iterable<AnchoredOperation>): DidHistory {
  const parsed = parseDid(did)
  const fold = new DidFold(parsed.did, parsed.suffix)
  for (const record of operations) fold.push(checkOperation(record))
  return fold.history()
}
