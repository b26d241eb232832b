import type { DIDResolutionResult } from 'did-resolver'
import type { DIDDereferencingResult } from '../resolver/resolver.js'
import { body, type Answer } from './answer.js'
import { RESULT_TYPES } from './negotiate.js'

/** DID Resolution error code → HTTP status (DID Resolution §HTTP(S) binding). */
const STATUS: Record<string, number> = {
  invalidDid: 400,
  invalidDidUrl: 400,
  invalidOptions: 400,
  notAllowedServiceEndpoint: 403,
  notFound: 404,
  representationNotSupported: 406,
  methodNotSupported: 501,
  internalError: 500,
}

/** DID Resolution error code → RFC 9457 `type` (the DID Core error vocabulary). */
const PROBLEM_TYPES: Record<string, string> = {
  // did:grid's own code: no DID Core type, so the status's own (RFC 9457 §4.2.1).
  notAllowedServiceEndpoint: 'about:blank',
  invalidDid: 'https://www.w3.org/ns/did#INVALID_DID',
  invalidDidUrl: 'https://www.w3.org/ns/did#INVALID_DID_URL',
  invalidOptions: 'https://www.w3.org/ns/did#INVALID_OPTIONS',
  notFound: 'https://www.w3.org/ns/did#NOT_FOUND',
  representationNotSupported: 'https://www.w3.org/ns/did#REPRESENTATION_NOT_SUPPORTED',
  methodNotSupported: 'https://www.w3.org/ns/did#METHOD_NOT_SUPPORTED',
  internalError: 'https://www.w3.org/ns/did#INTERNAL_ERROR',
}

/**
 * A DID Resolution error as an answer: its HTTP status, and a result (or dereferencing result, by
 * `key`) with DID Core's string code in the metadata and RFC 9457 problem details alongside.
 */
export function resolutionError(
  error: string,
  message: string,
  key: 'didResolutionMetadata' | 'dereferencingMetadata' = 'didResolutionMetadata',
): Answer {
  const status = STATUS[error] ?? 500
  const problemDetails = { type: PROBLEM_TYPES[error] ?? PROBLEM_TYPES.internalError, title: error, status, detail: message }
  const result: DIDResolutionResult | DIDDereferencingResult =
    key === 'didResolutionMetadata'
      ? { didResolutionMetadata: { error, message, problemDetails } as never, didDocument: null, didDocumentMetadata: {} }
      : { dereferencingMetadata: { error, message, problemDetails }, contentStream: null, contentMetadata: {} }
  return body(status, RESULT_TYPES[0], { '@context': 'https://w3id.org/did-resolution/v1', ...result })
}

/** An HTTP-level failure (not a resolution's) as `application/problem+json`. */
export function problem(status: number, title: string, detail: string, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/problem+json', ...headers }, body: problemJson(status, title, detail) }
}

/**
 * RFC 9457 problem details as this package's endpoints send them (`application/problem+json`), with
 * `extra` members after the standard ones.
 * @internal shared by the resolver endpoint and the attestor service.
 */
export function problemJson(status: number, title: string, detail: string, extra: Readonly<Record<string, unknown>> = {}): string {
  return JSON.stringify({ type: 'about:blank', title, status, detail, ...extra })
}
