import type { DIDResolutionResult } from 'did-resolver'
import type { DIDResolutionRepresentationResult, GridResolutionOptions } from './resolution-types.js'
import { DEFAULT_CONTENT_TYPE } from './resolve-did.js'

/** What {@link resolveRepresentation} needs of the resolver: its `resolve`, called as a caller would. */
export interface Resolves {
  resolve(did: string, options?: GridResolutionOptions): Promise<DIDResolutionResult>
}

/**
 * {@link GridResolver.resolveRepresentation}: the resolution of `did` serialised as `options.accept`
 * (default `application/did+ld+json`). Never throws, as `resolver.resolve`.
 * @internal
 */
export async function resolveRepresentation(
  resolver: Resolves,
  did: string,
  options: GridResolutionOptions,
): Promise<DIDResolutionRepresentationResult> {
  const accept = options?.accept ?? DEFAULT_CONTENT_TYPE
  const { didResolutionMetadata, didDocument, didDocumentMetadata } = await resolver.resolve(did, { ...options, accept })
  if (didResolutionMetadata.error || !didDocument) return { didResolutionMetadata, didDocumentStream: '', didDocumentMetadata }
  return { didResolutionMetadata: { contentType: accept }, didDocumentStream: JSON.stringify(didDocument), didDocumentMetadata }
}
