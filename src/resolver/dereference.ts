import type { DIDDocumentMetadata, DIDResolutionResult } from 'did-resolver'
import {
  GridError,
  HeightNotReachedError,
  InvalidDidError,
  InvalidDidUrlError,
  ResourceNotFoundError,
  UnknownNetworkError,
} from '../errors.js'
import { messageOf } from '../lib/message.js'
import { isoSeconds } from '../lib/time.js'
import { uriListProblem } from '../lib/uri-list.js'
import { parseDidUrl, type GridDidUrl } from '../method/did.js'
import { derefFailure, otherMethod } from './failure.js'
import type { DIDDereferencingResult, GridResolutionOptions, ResolvedResource, ResourceSelection } from './resolution-types.js'
import { DEFAULT_CONTENT_TYPE } from './resolve-did.js'
import { resourceIdOf } from './resolve-resource.js'

/**
 * What {@link dereference} needs of the resolver: its `resolve` and `resolveResource`, called as a
 * caller would.
 */
export interface Dereferences {
  resolve(did: string, options?: GridResolutionOptions): Promise<DIDResolutionResult>
  resolveResource(resourceUrl: string, options?: ResourceSelection): Promise<ResolvedResource>
}

/**
 * {@link GridResolver.dereference}: dereferences a DID URL. Never throws: anything unexpected is
 * `internalError`.
 * @internal
 */
export async function dereference(resolver: Dereferences, didUrl: string, options: GridResolutionOptions): Promise<DIDDereferencingResult> {
  try {
    return await dereferenceOrFail(resolver, didUrl, options ?? {})
  } catch (err) {
    return derefFailure('internalError', `dereferencing failed: ${messageOf(err)}`)
  }
}

async function dereferenceOrFail(resolver: Dereferences, didUrl: string, options: GridResolutionOptions): Promise<DIDDereferencingResult> {
  if (typeof didUrl !== 'string') return derefFailure('invalidDidUrl', 'the DID URL must be a string')
  let url
  try {
    url = parseDidUrl(didUrl)
  } catch (err) {
    const other = err instanceof InvalidDidError ? otherMethod(didUrl) : undefined
    if (other) return derefFailure('methodNotSupported', other)
    if (err instanceof GridError) return derefFailure('invalidDidUrl', err.message)
    throw err
  }
  if (url.path !== undefined) return dereferenceResource(resolver, url, options)
  const queryless = url.did + (url.query !== undefined ? `?${url.query}` : '')
  const serviceId = url.params?.service
  // A service is dereferenced to its endpoint, whose media types are its own (text/uri-list or
  // application/json): `accept` is weighed against those, not passed on as a document representation.
  const contentType = options.accept ?? DEFAULT_CONTENT_TYPE
  const resolved = await resolver.resolve(
    queryless,
    serviceId === undefined ? { ...options, accept: contentType } : { ...options, accept: DEFAULT_CONTENT_TYPE },
  )
  const error = resolved.didResolutionMetadata.error
  if (error || !resolved.didDocument) {
    return derefFailure(error ?? 'internalError', String(resolved.didResolutionMetadata.message ?? ''))
  }
  const doc = resolved.didDocument
  const meta = resolved.didDocumentMetadata
  if (serviceId !== undefined) {
    const service = doc.service?.find((s) => s.id === `${url.did}#${serviceId}`)
    if (!service) return derefFailure('notFound', `no service "${serviceId}"`)
    const endpoint = service.serviceEndpoint
    const relativeRef = url.params?.relativeRef
    if (relativeRef === undefined) {
      // A URI or a set of URIs is a uri-list; a map endpoint is returned as JSON.
      const isUris = typeof endpoint === 'string' || (Array.isArray(endpoint) && endpoint.every((e) => typeof e === 'string'))
      const refused = isUris ? notAllowed(serviceId, [endpoint].flat() as string[]) : undefined
      if (refused) return refused
      const type = isUris ? URI_LIST : 'application/json'
      return (
        notAcceptable(serviceId, type, options.accept) ?? {
          dereferencingMetadata: { contentType: type },
          contentStream: endpoint,
          contentMetadata: meta,
        }
      )
    }
    if (typeof endpoint !== 'string') return derefFailure('notFound', `service "${serviceId}" has no single URI to apply relativeRef to`)
    let target: string
    try {
      const base = new URL(endpoint)
      const resolvedUrl = new URL(relativeRef, base)
      // Defence in depth: the result must stay on the endpoint's origin.
      if (resolvedUrl.origin !== base.origin) throw new Error('origin changed')
      target = resolvedUrl.toString()
    } catch {
      return derefFailure('invalidDidUrl', 'relativeRef cannot be applied to the service endpoint')
    }
    if (url.fragment !== undefined) target = `${target.split('#')[0]}#${url.fragment}`
    const refused = notAllowed(serviceId, [target])
    if (refused) return refused
    return (
      notAcceptable(serviceId, URI_LIST, options.accept) ?? {
        dereferencingMetadata: { contentType: URI_LIST },
        contentStream: target,
        contentMetadata: meta,
      }
    )
  }
  if (url.fragment !== undefined) {
    const id = `${url.did}#${url.fragment}`
    const node = doc.verificationMethod?.find((v) => v.id === id) ?? doc.service?.find((s) => s.id === id)
    if (!node) return derefFailure('notFound', `no verification method or service "${url.fragment}"`)
    const content = doc['@context'] ? { '@context': doc['@context'], ...node } : { ...node }
    return { dereferencingMetadata: { contentType }, contentStream: content, contentMetadata: meta }
  }
  return { dereferencingMetadata: { contentType }, contentStream: doc, contentMetadata: meta }
}

/** A DID URL with a path: the DID-linked resource at `/resources/<id>`, with resolveResource's errors as metadata. */
async function dereferenceResource(
  resolver: Dereferences,
  url: GridDidUrl,
  options: GridResolutionOptions,
): Promise<DIDDereferencingResult> {
  if (resourceIdOf(url.path) === undefined) return derefFailure('notFound', `no resource at path ${url.path}`)
  let resolved: ResolvedResource
  try {
    resolved = await resolver.resolveResource(url.didUrl, pickSelection(options))
  } catch (err) {
    if (err instanceof ResourceNotFoundError || err instanceof HeightNotReachedError) return derefFailure('notFound', err.message)
    if (err instanceof InvalidDidUrlError) return derefFailure('invalidDidUrl', err.message)
    if (err instanceof RangeError) return derefFailure('invalidOptions', err.message)
    if (err instanceof UnknownNetworkError) return derefFailure('methodNotSupported', err.message)
    return derefFailure('internalError', `the ledger of network "${url.network}" failed: ${messageOf(err)}`)
  }
  const { version } = resolved
  const meta: DIDDocumentMetadata = {
    created: isoSeconds(version.time),
    versionId: String(version.versionId),
    resourceType: version.resourceType,
    cid: version.cid,
    height: String(version.height),
  }
  if (resolved.nextVersionId !== undefined) meta.nextVersionId = String(resolved.nextVersionId)
  if (resolved.ownerDeactivated) meta.deactivated = true
  return {
    dereferencingMetadata: { contentType: 'application/json' },
    contentStream: structuredClone(version.content),
    contentMetadata: meta,
  }
}

function pickSelection(options: GridResolutionOptions): ResourceSelection {
  const out: ResourceSelection = {}
  if (options.versionId !== undefined) out.versionId = options.versionId
  if (options.versionTime !== undefined) out.versionTime = options.versionTime
  if (options.ledgerHeight !== undefined) out.ledgerHeight = options.ledgerHeight
  return out
}

/** What a service endpoint made of URIs is dereferenced to: the URIs, one a line (RFC 2483). */
const URI_LIST = 'text/uri-list'

/** `representationNotSupported` when `accept` asks for another media type than `type`, the endpoint of service `id`'s own. */
function notAcceptable(id: string, type: string, accept: string | undefined): DIDDereferencingResult | undefined {
  if (accept === undefined || accept === type) return undefined
  return derefFailure('representationNotSupported', `the endpoint of service "${id.slice(0, 64)}" is ${type}, not ${accept.slice(0, 64)}`)
}

/** `notAllowedServiceEndpoint` when a URI of service `id` may not be handed out ({@link uriListProblem}). */
function notAllowed(id: string, uris: string[]): DIDDereferencingResult | undefined {
  for (const [i, uri] of uris.entries()) {
    const problem = uriListProblem(uri)
    const which = uris.length > 1 ? `endpoint ${i}` : 'endpoint'
    if (problem) return derefFailure('notAllowedServiceEndpoint', `the ${which} of service "${id}" is not handed out: ${problem}`)
  }
  return undefined
}
