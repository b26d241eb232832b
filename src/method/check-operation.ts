import { decodeOperation, operationFault } from './decode-operation.js'
import { operationCid } from './cid.js'
import type { AnchoredOperation, CheckedOperation } from './state-types.js'

/**
 * Runs the stand-alone checks on one anchored operation without throwing.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution-algorithm
 */
export function checkOperation(record: AnchoredOperation): CheckedOperation {
  try {
    const decoded = decodeOperation(record.bytes)
    return { ...record, cid: decoded.cid, decoded }
  } catch (err) {
    return { ...record, cid: operationCid(record.bytes), fault: operationFault(err) }
  }
}
