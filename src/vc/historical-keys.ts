import { decodeMultikey } from '../method/keys.js'
import type { VerificationRelationship } from '../method/operation.js'
import type { DidTimeline } from '../resolver/resolver.js'

/**
 * The keys `fragment` had in `relationship` at any moment of the `iat` second: in the version in
 * force when that second began (the last one anchored before it) and in every version anchored
 * within it. Anchoring times and `iat` are whole seconds, so which came first within one second is
 * unknowable, and a key in force at any moment of it may have signed. A key that a later recovery
 * left out is `compromised`: a recovery says the old keys may be compromised.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#verification
 * @internal
 */
export function historicalKeys(
  timeline: DidTimeline,
  fragment: string,
  relationship: VerificationRelationship,
  iat: number,
): { keys: Uint8Array[]; compromised: Uint8Array[] } {
  const { versions, states } = timeline
  const out: { keys: Uint8Array[]; compromised: Uint8Array[] } = { keys: [], compromised: [] }
  let first = 0
  while (first + 1 < versions.length && versions[first + 1]!.time < iat) first++
  for (let at = first; at < versions.length && versions[at]!.time <= iat; at++) {
    const vm = states[at]!.verificationMethods.find((v) => v.id === fragment)
    if (!vm || !vm.purposes.includes(relationship)) continue
    let dropped = false
    for (let i = at + 1; i < versions.length && !dropped; i++) {
      dropped =
        versions[i]!.type === 'recover' && !states[i]!.verificationMethods.some((v) => v.publicKeyMultibase === vm.publicKeyMultibase)
    }
    ;(dropped ? out.compromised : out.keys).push(decodeMultikey(vm.publicKeyMultibase, 'Ed25519').publicKey)
  }
  return out
}
