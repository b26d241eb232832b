import { DidDeactivatedError } from '../errors.js'
import type { OperationSigner } from './keys.js'
import { signOperation, type DocumentContent, type EncodedOperation, type RecoverOperation } from './operation.js'
import type { DidState } from './state.js'

/** New state of {@link recoverDid}. */
export interface RecoverDidOptions {
  newUpdateKey: string | { publicKeyMultibase: string }
  newRecoveryKey: string | { publicKeyMultibase: string }
  document?: DocumentContent
}

const multikey = (k: string | { publicKeyMultibase: string }) => (typeof k === 'string' ? k : k.publicKeyMultibase)

/**
 * Builds and signs a recovery: replaces the whole document and both keys. `signer` must hold the
 * current recovery key. It chains to the last create/recover, so updates made with a stolen update
 * key cannot make it stale.
 *
 * @throws {DidDeactivatedError} when the DID is deactivated.
 * @example
 * ```ts
 * const op = await recoverDid(state, recoveryKey, { newUpdateKey: fresh, newRecoveryKey: freshRecovery, document })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#recover
 */
export async function recoverDid(
  state: Pick<DidState, 'did' | 'recoveryHead' | 'deactivated'>,
  signer: OperationSigner,
  options: RecoverDidOptions,
): Promise<EncodedOperation<RecoverOperation>> {
  if (state.deactivated) throw new DidDeactivatedError(state.did)
  return signOperation<RecoverOperation>(
    {
      type: 'recover',
      did: state.did,
      prev: state.recoveryHead,
      updateKey: multikey(options.newUpdateKey),
      recoveryKey: multikey(options.newRecoveryKey),
      document: options.document ?? {},
    },
    signer,
  )
}
