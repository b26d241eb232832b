import { DidDeactivatedError } from '../errors.js'
import type { OperationSigner } from './keys.js'
import { signOperation, type DeactivateOperation, type EncodedOperation } from './operation.js'
import type { DidState } from './state.js'

/**
 * Builds and signs the final deactivation of a DID. `signer` must hold the current recovery key.
 * After it anchors, the DID resolves with `deactivated: true` and no keys, and nothing applies.
 *
 * @throws {DidDeactivatedError} when the DID is already deactivated.
 * @example `await ledger.submit([(await deactivateDid(state, recoveryKey)).bytes])`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#deactivate
 */
export async function deactivateDid(
  state: Pick<DidState, 'did' | 'recoveryHead' | 'deactivated'>,
  signer: OperationSigner,
): Promise<EncodedOperation<DeactivateOperation>> {
  if (state.deactivated) throw new DidDeactivatedError(state.did)
  return signOperation<DeactivateOperation>({ type: 'deactivate', did: state.did, prev: state.recoveryHead }, signer)
}
