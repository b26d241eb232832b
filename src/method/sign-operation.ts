import { InvalidOperationError } from '../errors.js'
import { toBase64url, utf8Encode } from '../lib/bytes.js'
import { canonicalDomainError, canonicalize, type JsonValue } from '../lib/jcs.js'
import { decodeOperation } from './decode-operation.js'
import type { OperationSigner } from './keys.js'
import type { EncodedOperation, Operation } from './operation-types.js'
import { signingInput } from './signing-input.js'

/**
 * Signs an unsigned operation with `signer` (which sets `key`), validates the result, and returns
 * its canonical bytes, CID and DID.
 * @throws {InvalidOperationError} when the operation breaks a format rule or size limit.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#operations
 */
export async function signOperation<T extends Operation>(
  unsigned: Omit<T, 'key' | 'sig'>,
  signer: OperationSigner,
): Promise<EncodedOperation<T>> {
  if (!signer || typeof signer.sign !== 'function' || typeof signer.publicKeyMultibase !== 'string') {
    throw new TypeError('signer must be an OperationSigner ({ publicKeyMultibase, sign })')
  }
  const withKey = { ...unsigned, key: signer.publicKeyMultibase } as unknown as T
  const domainError = canonicalDomainError(withKey)
  if (domainError) throw new InvalidOperationError('malformed', `operation: ${domainError}`)
  const signature = await signer.sign(signingInput(withKey))
  const signed = { ...withKey, sig: toBase64url(signature) } as T
  return decodeOperation(utf8Encode(canonicalize(signed as unknown as JsonValue))) as EncodedOperation<T>
}
