import { DidDeactivatedError } from '../errors.js'
import type { OperationSigner } from './keys.js'
import { signOperation, type EncodedOperation, type Patch, type UpdateOperation } from './operation.js'
import type { DidState } from './state.js'

/** Changes of {@link updateDid}. */
export interface UpdateDidChanges {
  patches?: Patch[]
  /** New update key (public Multikey) to rotate to. */
  newUpdateKey?: string | { publicKeyMultibase: string }
}

/**
 * Builds and signs an update of `state`, chained to its last applied operation. `signer` must hold
 * the current update key. Patches apply in order, all or nothing.
 *
 * @throws {DidDeactivatedError} when the DID is deactivated.
 * @throws {InvalidOperationError} when the update is empty or breaks a format rule.
 * @example
 * ```ts
 * const state = await resolver.resolveState(did)
 * const op = await updateDid(state, updateKey, {
 *   patches: [{ action: 'add-service', service: { id: 'dr', type: 'DemandResponse', serviceEndpoint: 'https://dr.example' } }],
 * })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#update
 */
export async function updateDid(
  state: Pick<DidState, 'did' | 'head' | 'deactivated'>,
  signer: OperationSigner,
  changes: UpdateDidChanges,
): Promise<EncodedOperation<UpdateOperation>> {
  if (state.deactivated) throw new DidDeactivatedError(state.did)
  const unsigned: Omit<UpdateOperation, 'key' | 'sig'> = {
    type: 'update',
    did: state.did,
    prev: state.head,
    patches: changes.patches ?? [],
  }
  if (changes.newUpdateKey !== undefined) {
    unsigned.updateKey = typeof changes.newUpdateKey === 'string' ? changes.newUpdateKey : changes.newUpdateKey.publicKeyMultibase
  }
  return signOperation<UpdateOperation>(unsigned, signer)
}

/**
 * Rotates the update key: an update with no patches and a new update key.
 * @example `await ledger.submit([(await rotateUpdateKey(state, oldKey, newKey)).bytes])`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#update
 */
export function rotateUpdateKey(
  state: Pick<DidState, 'did' | 'head' | 'deactivated'>,
  signer: OperationSigner,
  newUpdateKey: string | { publicKeyMultibase: string },
): Promise<EncodedOperation<UpdateOperation>> {
  return updateDid(state, signer, { newUpdateKey })
}
