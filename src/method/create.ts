import { toBase64url } from '../lib/bytes.js'
import { randomBytes } from '../lib/crypto.js'
import type { OperationSigner } from './keys.js'
import { signOperation, type CreateOperation, type DocumentContent, type EncodedOperation } from './operation.js'

/** Options of {@link createDid}. */
export interface CreateDidOptions {
  /** Consortium deployment name, e.g. `sgcc`. */
  network: string
  /** Signs the create and every update until rotated. */
  updateKey: OperationSigner
  /** Public Multikey of the recovery key; keep its secret offline. */
  recoveryKey: string | { publicKeyMultibase: string }
  /** Initial verification methods, services, controller and alsoKnownAs. */
  document?: DocumentContent
  /** 16-64 base64url characters; random by default. Fix it only for reproducible test vectors. */
  nonce?: string
}

/**
 * Builds and signs the genesis operation of a new DID. The DID is self-certifying: its suffix is
 * the base32 SHA-256 of the returned canonical bytes. Submit `bytes` to a ledger to anchor it.
 *
 * @throws {InvalidOperationError} when the document breaks a format rule or size limit.
 * @example
 * ```ts
 * const update = Ed25519KeyPair.generate(), recovery = Ed25519KeyPair.generate()
 * const op = await createDid({ network: 'sgcc', updateKey: update, recoveryKey: recovery,
 *   document: { verificationMethods: [{ id: 'key-1', type: 'Multikey',
 *     publicKeyMultibase: update.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] }] } })
 * await ledger.submit([op.bytes]); console.log(op.did)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#create
 */
export async function createDid(options: CreateDidOptions): Promise<EncodedOperation<CreateOperation>> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const recoveryKey = typeof options.recoveryKey === 'string' ? options.recoveryKey : options.recoveryKey?.publicKeyMultibase
  if (typeof recoveryKey !== 'string') throw new TypeError('recoveryKey must be a Multikey string or have publicKeyMultibase')
  return signOperation<CreateOperation>(
    {
      type: 'create',
      network: options.network,
      updateKey: options.updateKey.publicKeyMultibase,
      recoveryKey,
      document: options.document ?? {},
      nonce: options.nonce ?? toBase64url(randomBytes(16)),
    },
    options.updateKey,
  )
}
