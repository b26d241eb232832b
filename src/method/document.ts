import type { DIDDocument, Service, VerificationMethod } from 'did-resolver'
import { VERIFICATION_RELATIONSHIPS } from './operation.js'
import type { DidState } from './state.js'

/** JSON-LD contexts of a did:grid document: DID Core v1 and the Multikey vocabulary. */
export const DID_CONTEXTS = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'] as const

/**
 * Renders a DID's state as a DID Core 1.0 document (JSON-LD form, with `@context`). A deactivated
 * DID renders with its id only: no verification methods, relationships or services.
 *
 * @example `toDidDocument(state).verificationMethod?.[0].id // 'did:grid:sgcc:…#key-1'`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-documents
 */
export function toDidDocument(state: DidState): DIDDocument {
  const did = state.did
  const doc: DIDDocument = { '@context': [...DID_CONTEXTS], id: did }
  if (state.deactivated) return doc
  if (state.controller.length > 0) doc.controller = state.controller.length === 1 ? state.controller[0]! : [...state.controller]
  if (state.alsoKnownAs.length > 0) doc.alsoKnownAs = [...state.alsoKnownAs]
  if (state.verificationMethods.length > 0) {
    doc.verificationMethod = state.verificationMethods.map(
      (vm): VerificationMethod => ({ id: `${did}#${vm.id}`, type: vm.type, controller: did, publicKeyMultibase: vm.publicKeyMultibase }),
    )
    for (const rel of VERIFICATION_RELATIONSHIPS) {
      const refs = state.verificationMethods.filter((vm) => vm.purposes.includes(rel)).map((vm) => `${did}#${vm.id}`)
      if (refs.length > 0) doc[rel] = refs
    }
  }
  if (state.services.length > 0) {
    // Copies: the document belongs to the caller, the state is shared (and frozen).
    doc.service = state.services.map(
      (s) => ({ id: `${did}#${s.id}`, type: structuredClone(s.type), serviceEndpoint: structuredClone(s.serviceEndpoint) }) as Service,
    )
  }
  return doc
}
