import { decodeMultikey } from '../method/keys.js'
import type { VerificationRelationship } from '../method/operation.js'
import type { DidState } from '../method/state.js'
import { verifyEd25519 } from '../method/verify-signature.js'
import { historicalKeys } from './historical-keys.js'
import type { DecodedJws } from './jwt.js'
import type { LedgerView } from './ledger-view.js'
import { TOKEN_REASONS, type Fail, type Token } from './reasons.js'

/**
 * The JWS is signed by `kid`, a key of `did` (the token's signer: a credential's issuer, a
 * presentation's holder) in `relationship` as of the context height — or, for credentials, at some
 * moment of the `iat` second when the key was since rotated out, unless a recovery dropped it.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#verification
 * @internal
 */
export async function checkSignature(
  view: LedgerView,
  jws: DecodedJws,
  did: string,
  relationship: VerificationRelationship,
  iat: number | undefined,
  token: Token,
  fail: Fail,
): Promise<void> {
  const codes = TOKEN_REASONS[token]
  const kid = jws.header.kid
  const fragment = kid.startsWith(`${did}#`) ? kid.slice(did.length + 1) : undefined
  if (fragment === undefined) return fail('kid-not-found', `kid ${kid.slice(0, 120)} is not a key of ${did}`)
  const timeline = await view.timeline(did)
  if (typeof timeline === 'string') return fail(codes.signerNotFound, timeline)
  const current = timeline.states.at(-1)
  if (!current) return fail(codes.signerNotFound, `${did} does not exist at ledger height ${view.context.height}`)
  if (current.deactivated) return fail(codes.signerDeactivated, `${did} is deactivated`)
  // Credentials: the keys `kid` named at some moment of the `iat` second, then today's.
  const past = iat !== undefined ? historicalKeys(timeline, fragment, relationship, iat) : { keys: [], compromised: [] }
  if (past.compromised.length > 0 && past.keys.length === 0)
    return fail('key-compromised', `${kid} was dropped by a recovery of ${did} after it signed`)
  const candidates = [...past.keys, keyOf(current, fragment, relationship)].filter((k): k is Uint8Array => k !== undefined)
  if (candidates.length === 0) {
    return current.verificationMethods.some((vm) => vm.id === fragment)
      ? fail('kid-wrong-relationship', `${kid} is not in the ${relationship} relationship of ${did}`)
      : fail('kid-not-found', `${kid} is not in the DID document of ${did}`)
  }
  const verifies = (key: Uint8Array, i: number, all: Uint8Array[]) =>
    !all.slice(0, i).some((k) => sameBytes(k, key)) && verifyEd25519(jws.signature, jws.signingInput, key)
  if (candidates.some(verifies)) return
  // Signed by a key that was in force during the `iat` second, but that a recovery dropped since.
  if (past.compromised.some(verifies)) return fail('key-compromised', `${kid} was dropped by a recovery of ${did} after it signed`)
  fail(codes.signature, `the signature does not verify with ${kid}`)
}

function keyOf(state: DidState, fragment: string, relationship: VerificationRelationship): Uint8Array | undefined {
  const vm = state.verificationMethods.find((v) => v.id === fragment)
  return vm && vm.purposes.includes(relationship) ? decodeMultikey(vm.publicKeyMultibase, 'Ed25519').publicKey : undefined
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
