import type { DIDResolutionResult } from 'did-resolver'
import { METHOD, isDidSyntax } from '../method/did.js'
import type { DIDDereferencingResult } from './resolution-types.js'

/** A failed resolution: `error` is one of DID Resolution's error codes. */
export function failure(error: string, message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} }
}

/** A failed dereferencing: `error` is one of DID Resolution's error codes. */
export function derefFailure(error: string, message: string): DIDDereferencingResult {
  return { dereferencingMetadata: { error, message }, contentStream: null, contentMetadata: {} }
}

/**
 * For a string that is a DID of another method (DID Core §3.1 syntax, method other than `grid`),
 * the message of `methodNotSupported`; undefined otherwise (then it is an invalid DID).
 */
export function otherMethod(didUrl: string): string | undefined {
  const did = didUrl.split(/[/?#]/, 1)[0]!
  if (!isDidSyntax(did)) return undefined
  const method = did.split(':', 2)[1]!
  return method === METHOD ? undefined : `this resolver serves did:${METHOD}, not did:${method.slice(0, 40)}`
}
