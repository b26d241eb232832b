import { ed25519Verify } from '../lib/crypto.js'

/**
 * Verifies an Ed25519 signature under the did:grid rule set: RFC 8032 with canonical S, canonical
 * non-small-order A, non-small-order R and the cofactorless equation (the same accept/reject set
 * as libsodium and ed25519-dalek `verify_strict`). Uses node:crypto when present, @noble/ed25519
 * otherwise; both give identical results on every input. Never throws for malformed input.
 *
 * @example `verifyEd25519(signature, message, publicKey) // true | false`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#signatures
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array) || !(publicKey instanceof Uint8Array)) {
    throw new TypeError('signature, message and publicKey must be Uint8Arrays')
  }
  return ed25519Verify(signature, message, publicKey)
}
