import type { DIDDereferencingResult, GridResolutionOptions, GridResolver } from '../resolver/resolver.js'
import { body, type Answer } from './answer.js'
import { URI_LIST, type Negotiated } from './negotiate.js'
import { resolutionError } from './problem.js'

/** Resolves `did` and answers with the result or the document, as negotiated (410 when deactivated). */
export async function resolveAnswer(
  resolver: GridResolver,
  did: string,
  options: GridResolutionOptions,
  negotiated: Negotiated,
): Promise<Answer> {
  if (negotiated.kind === 'document') {
    // DID Core §7.1 resolveRepresentation: the body is the representation asked for.
    const result = await resolver.resolveRepresentation(did, { ...options, accept: negotiated.representation })
    const error = result.didResolutionMetadata.error
    if (error) return resolutionError(error, String(result.didResolutionMetadata.message ?? ''))
    return {
      status: result.didDocumentMetadata.deactivated ? 410 : 200,
      headers: { 'content-type': negotiated.type },
      body: result.didDocumentStream,
    }
  }
  const result = await resolver.resolve(did, options)
  const error = result.didResolutionMetadata.error
  if (error) return resolutionError(error, String(result.didResolutionMetadata.message ?? ''))
  const status = result.didDocumentMetadata.deactivated ? 410 : 200
  // Serialised into the result, the document is its JSON-LD representation, and the result says so
  // (DID Resolution §HTTP(S) binding); the library's resolve() returns it as data, without contentType.
  const didResolutionMetadata = { ...result.didResolutionMetadata, contentType: 'application/did+ld+json' }
  return body(status, negotiated.type, { '@context': 'https://w3id.org/did-resolution/v1', ...result, didResolutionMetadata })
}

/** Dereferences `didUrl` and answers with the dereferencing result or the content, as negotiated. */
export async function dereferenceAnswer(
  resolver: GridResolver,
  didUrl: string,
  options: GridResolutionOptions,
  negotiated: Negotiated,
  service: boolean,
): Promise<Answer> {
  // A service's endpoint has its own media types (text/uri-list, application/json): the resolver
  // weighs the one asked for against them, as it does for a library caller.
  const accept =
    negotiated.kind === 'result' ? undefined : service || negotiated.kind === 'uri-list' ? negotiated.type : negotiated.representation
  const result: DIDDereferencingResult = await resolver.dereference(didUrl, accept === undefined ? options : { ...options, accept })
  const error = result.dereferencingMetadata.error
  if (error) return resolutionError(error, String(result.dereferencingMetadata.message ?? ''), 'dereferencingMetadata')
  const status = result.contentMetadata.deactivated ? 410 : 200
  if (negotiated.kind === 'result') return body(status, negotiated.type, { '@context': 'https://w3id.org/did-resolution/v1', ...result })
  const type = String(result.dereferencingMetadata.contentType)
  if (type === URI_LIST) {
    // The resolver hands out only URIs it has checked (printable ASCII, allowed schemes).
    const list = Array.isArray(result.contentStream) ? result.contentStream.join('\r\n') : String(result.contentStream)
    return { status, headers: { 'content-type': URI_LIST }, body: `${list}\r\n` }
  }
  return body(status, type === 'application/json' ? 'application/json' : negotiated.type, result.contentStream)
}
