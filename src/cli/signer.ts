import type { Ed25519KeyPair } from '../method/keys.js'
import type { VerificationRelationship } from '../method/operation.js'
import type { JwtSigner } from '../vc/issue.js'
import { CliError } from './errors.js'
import type { Home } from './home.js'

/** The JWT signer for `did` with `key`: the verification method holding that key in `relationship`. */
export async function signerFor(home: Home, did: string, key: Ed25519KeyPair, relationship: VerificationRelationship): Promise<JwtSigner> {
  const state = await home.resolver.resolveState(did)
  const vm = state.verificationMethods.find((v) => v.publicKeyMultibase === key.publicKeyMultibase && v.purposes.includes(relationship))
  if (!vm) throw new CliError(`that key is not in the ${relationship} relationship of ${did}`)
  return { did, keyId: vm.id, signer: key }
}
