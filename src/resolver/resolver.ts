import type { DIDDocument, DIDDocumentMetadata, DIDResolutionOptions, DIDResolutionResult } from 'did-resolver'
import {
  DidNotFoundError,
  GridError,
  HeightNotReachedError,
  InvalidDidError,
  ResourceNotFoundError,
  InvalidDidUrlError,
  UnknownNetworkError,
} from '../errors.js'
import type { Ledger, LedgerHead } from '../ledger/types.js'
import { randomBytes } from '../lib/crypto.js'
import { messageOf } from '../lib/message.js'
import { isoSeconds } from '../lib/time.js'
import { uriListProblem } from '../lib/uri-list.js'
import { METHOD, isDidSyntax, parseDid, parseDidUrl, parseVersionId, parseVersionTime, type GridDid, type GridDidUrl } from '../method/did.js'
import { toDidDocument } from '../method/document.js'
import type { OperationType } from '../method/operation.js'
import type { ResourceVersion } from '../method/resource.js'
import type { AppliedVersion, DidState } from '../method/state.js'
import { CHECKPOINT_EVERY, stateBefore, ViewCache, type DidView, type ViewNeed } from './cache.js'
import { CHECKPOINT_SECRET_MIN } from './checkpoint.js'

/** Media types `resolve` can produce. */
export const SUPPORTED_CONTENT_TYPES = ['application/did+ld+json', 'application/did+json', 'application/did'] as const
const DEFAULT_CONTENT_TYPE = 'application/did+ld+json'

/** Configuration of {@link GridResolver} and {@link getResolver}. */
export interface GridResolverConfig {
  /** Ledger of each network name, e.g. `{ sgcc: new SqliteLedger(path) }`. */
  networks: Record<string, Ledger>
  /**
   * Cache of verified per-DID views keyed to the ledger head (default 10,000 DIDs). `false`
   * re-reads and re-verifies a DID's whole log on every call.
   */
  cache?: false | { maxEntries?: number }
  /**
   * Checkpoints of verified fold states, kept in the ledger when it offers a place for them
   * (`SqliteLedger`, `ChainIndex`): a cold resolve of a DID's latest state folds only the operations
   * anchored since its newest checkpoint, and writes a new one once `every` operations
   * have been folded past it (default 32). Each checkpoint carries an HMAC-SHA256 under `secret`
   * (at least 32 bytes, kept outside the ledger file), and only checkpoints with a valid tag are used:
   * whoever can write the store can delete checkpoints, never forge one. Without `secret` the
   * resolver draws a random one, so it uses only the checkpoints it wrote itself (a restart ignores
   * and overwrites older ones); pass the same secret to keep them across restarts.
   * `false` neither reads nor writes any: every cold resolve re-verifies the whole log.
   * @see ../../spec/did-grid.md#checkpoints
   */
  checkpoints?: false | { every?: number; secret?: Uint8Array }
}

/** Resolution options: DID Resolution's `accept` plus the version selectors. */
export interface GridResolutionOptions extends DIDResolutionOptions {
  accept?: string
  /** Resolve the n-th applied operation's state (`1` = as created). */
  versionId?: string | number
  /** Resolve the state as of this time (`YYYY-MM-DDTHH:MM:SSZ`). */
  versionTime?: string
  /**
   * Resolve the state as of this ledger height (the last operation anchored at or below it). For
   * deterministic callers such as contract role checks, which take the height from the transaction.
   * A height above the finalized head is `notFound`.
   */
  ledgerHeight?: number
}

/** did:grid's method-specific document metadata (`didDocumentMetadata.method`). */
export interface GridMethodMetadata {
  /** CID of the resolved version's last operation: the `prev` of the next update. */
  head: string
  /** CID of the last create/recover: the `prev` of the next recover or deactivate. */
  recoveryHead: string
  /** The update key (public Multikey). */
  updateKey: string
  /** The recovery key (public Multikey). */
  recoveryKey: string
  /** Ledger height the resolution read up to, as a decimal string (DID Core §7.3: metadata values are never numbers). */
  ledgerHeight: string
}

/** One line of {@link GridResolver.history}: an anchored operation, applied or skipped. */
export interface HistoryEntry {
  cid: string
  type?: OperationType
  height: number
  position: number
  time: string
  applied: boolean
  versionId?: number
  reason?: string
  message?: string
}

/**
 * The result of {@link GridResolver.resolveRepresentation} (DID Core §7.1 `resolveRepresentation`):
 * the document as bytes of one representation, and that representation's media type.
 */
export interface DIDResolutionRepresentationResult {
  didResolutionMetadata: { contentType?: string; error?: string; message?: string; [key: string]: unknown }
  /** The document serialised as `contentType`; empty when resolution failed. */
  didDocumentStream: string
  didDocumentMetadata: DIDDocumentMetadata
}

/** DID URL dereferencing result (DID Resolution §Dereferencing). */
export interface DIDDereferencingResult {
  dereferencingMetadata: { contentType?: string; error?: string; message?: string; [key: string]: unknown }
  contentStream: unknown
  contentMetadata: DIDDocumentMetadata
}

/**
 * Resolves `did:grid` DIDs against the ledgers of the configured networks. Resolution never
 * throws: failures are `didResolutionMetadata.error` (`invalidDid`, `invalidDidUrl`, `notFound`,
 * `representationNotSupported`, `methodNotSupported`, `internalError`). A ledger failure is always
 * `internalError`, never `notFound`, and is never cached.
 *
 * @example
 * ```ts
 * const resolver = new GridResolver({ networks: { sgcc: ledger } })
 * const { didDocument, didDocumentMetadata } = await resolver.resolve(did)
 * const old = await resolver.resolve(did, { versionId: 1 })
 * ```
 * @see ../../spec/did-grid.md#resolution
 */
export class GridResolver {
  readonly #networks: Map<string, Ledger>
  readonly #cache: ViewCache

  constructor(config: GridResolverConfig) {
    if (typeof config !== 'object' || config === null || typeof config.networks !== 'object' || config.networks === null) {
      throw new TypeError('config.networks must map network names to ledgers')
    }
    this.#networks = new Map(Object.entries(config.networks))
    const max = config.cache === false ? 0 : (config.cache?.maxEntries ?? 10_000)
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError('cache.maxEntries must be a non-negative integer')
    const every = config.checkpoints === false ? 0 : (config.checkpoints?.every ?? CHECKPOINT_EVERY)
    if (config.checkpoints !== false && (!Number.isSafeInteger(every) || every < 1)) {
      throw new RangeError('checkpoints.every must be a positive integer')
    }
    const given = config.checkpoints === false ? undefined : config.checkpoints?.secret
    if (given !== undefined && !(given instanceof Uint8Array)) throw new TypeError('checkpoints.secret must be a Uint8Array')
    if (given !== undefined && given.length < CHECKPOINT_SECRET_MIN) {
      throw new RangeError(`checkpoints.secret must be at least ${CHECKPOINT_SECRET_MIN} bytes`)
    }
    this.#cache = new ViewCache(max, every, given ? Uint8Array.from(given) : randomBytes(CHECKPOINT_SECRET_MIN))
  }

  /** Network names this resolver serves. */
  get networks(): string[] {
    return [...this.#networks.keys()]
  }

  /**
   * The head of a network's ledger (for health checks and HTTP validators such as `ETag`).
   * @throws {UnknownNetworkError}; whatever the ledger throws.
   */
  head(network: string): Promise<LedgerHead> {
    const ledger = this.#networks.get(network)
    if (!ledger) return Promise.reject(new UnknownNetworkError(network))
    return ledger.head()
  }

  /**
   * Resolves a DID (DID Core §7.1 `resolve`): the document as data, so `didResolutionMetadata` has
   * no `contentType` (that belongs to {@link GridResolver.resolveRepresentation}). Accepts a DID
   * whose query carries `versionId` or `versionTime`, as did-resolver passes them, or the same
   * selectors in `options`. An `accept` given anyway must be a supported type; `application/did+json`
   * leaves out `@context`.
   */
  async resolve(did: string, options: GridResolutionOptions = {}): Promise<DIDResolutionResult> {
    try {
      return await this.#resolve(did, options ?? {})
    } catch (err) {
      // Resolution never throws (DID Resolution §Errors): anything unexpected is an internal error.
      return failure('internalError', `resolution failed: ${messageOf(err)}`)
    }
  }

  async #resolve(did: string, options: GridResolutionOptions): Promise<DIDResolutionResult> {
    if (typeof did !== 'string') return failure('invalidDid', 'the DID must be a string')
    const accept = options.accept ?? DEFAULT_CONTENT_TYPE
    if (!(SUPPORTED_CONTENT_TYPES as readonly string[]).includes(accept)) {
      return failure('representationNotSupported', `cannot produce ${accept}; supported: ${SUPPORTED_CONTENT_TYPES.join(', ')}`)
    }
    let parsed: GridDid
    let selector: VersionSelector
    try {
      const url = parseDidUrl(did)
      if (url.path !== undefined || url.fragment !== undefined) {
        return failure('invalidDid', 'resolve takes a DID; use dereference for DID URLs with a path or fragment')
      }
      parsed = url
      const selected = selectorOf(url.params, options)
      if ('error' in selected) return failure(selected.error, selected.message)
      selector = selected.selector
    } catch (err) {
      const other = err instanceof InvalidDidError ? otherMethod(did) : undefined
      if (other) return failure('methodNotSupported', other)
      if (err instanceof InvalidDidError) return failure('invalidDid', err.message)
      if (err instanceof InvalidDidUrlError) return failure('invalidDidUrl', err.message)
      throw err
    }
    const ledger = this.#networks.get(parsed.network)
    if (!ledger) return failure('methodNotSupported', new UnknownNetworkError(parsed.network).message)
    let view: DidView
    try {
      // Only a version selector needs the history; the latest state may come from a checkpoint.
      view = await this.#cache.view(ledger, parsed, selector ? 'history' : 'latest')
    } catch (err) {
      return failure('internalError', `the ledger of network "${parsed.network}" failed: ${messageOf(err)}`)
    }
    const latest = view.fold.state
    if (!latest) return failure('notFound', `${parsed.did} is not on the ledger`)
    if (selector && 'ledgerHeight' in selector && selector.ledgerHeight > view.height) {
      return failure('notFound', `ledger height ${selector.ledgerHeight} is above the finalized height ${view.height}`)
    }
    const target = selectVersion(view, selector)
    if (!target) return failure('notFound', `${parsed.did} has no version matching ${describe(selector)}`)
    let didDocument: DIDDocument = toDidDocument(target)
    if (accept === 'application/did+json') {
      const { '@context': _ctx, ...plain } = didDocument
      didDocument = plain as DIDDocument
    }
    return {
      didResolutionMetadata: {},
      didDocument,
      didDocumentMetadata: documentMetadata(view, target),
    }
  }

  /**
   * Resolves a DID to a representation (DID Core §7.1 `resolveRepresentation`): the document
   * serialised as `options.accept` (default `application/did+ld+json`), with that media type as
   * `didResolutionMetadata.contentType`. Errors as {@link GridResolver.resolve}, with an empty stream.
   * @example
   * ```ts
   * const { didResolutionMetadata, didDocumentStream } = await resolver.resolveRepresentation(did, { accept: 'application/did+json' })
   * didResolutionMetadata.contentType // 'application/did+json'
   * ```
   * @see ../../spec/did-grid.md#resolution
   */
  async resolveRepresentation(did: string, options: GridResolutionOptions = {}): Promise<DIDResolutionRepresentationResult> {
    const accept = options?.accept ?? DEFAULT_CONTENT_TYPE
    const { didResolutionMetadata, didDocument, didDocumentMetadata } = await this.resolve(did, { ...options, accept })
    if (didResolutionMetadata.error || !didDocument) return { didResolutionMetadata, didDocumentStream: '', didDocumentMetadata }
    return { didResolutionMetadata: { contentType: accept }, didDocumentStream: JSON.stringify(didDocument), didDocumentMetadata }
  }

  /**
   * The latest state of a DID: keys, document content and the chain heads that the next
   * operation must name. For building operations; throws instead of returning error metadata.
   *
   * @throws {InvalidDidError} | {@link UnknownNetworkError} | {@link DidNotFoundError} |
   *   {@link LedgerUnavailableError} (or whatever error the ledger throws).
   * @example `const op = await updateDid(await resolver.resolveState(did), key, { patches })`
   */
  async resolveState(did: string): Promise<DidState> {
    const view = await this.#viewOf(did, 'latest')
    if (!view.fold.state) throw new DidNotFoundError(did)
    return view.fold.state
  }

  /**
   * A DID's applied versions and the state after each, at or below `ledgerHeight`, oldest first: what
   * deterministic callers (the role check) read. Empty when the DID did not exist at that height.
   *
   * @throws {HeightNotReachedError} when `ledgerHeight` is above the finalized head; otherwise as
   *   {@link GridResolver.resolveState}, except that an unknown DID gives an empty timeline.
   * @example
   * ```ts
   * const { states } = await resolver.timeline(did, tx.height)
   * const state = states.at(-1) // the DID as of the transaction's height
   * ```
   */
  async timeline(did: string, ledgerHeight: number): Promise<DidTimeline> {
    if (!Number.isSafeInteger(ledgerHeight) || ledgerHeight < 0) throw new RangeError('ledgerHeight must be a non-negative integer')
    const view = await this.#viewOf(did, 'history')
    if (ledgerHeight > view.height) throw new HeightNotReachedError(ledgerHeight, view.height)
    const versions = view.fold.versions
    let n = versions.length
    while (n > 0 && versions[n - 1]!.height > ledgerHeight) n--
    // Copies bounded by the height: the view keeps growing as the ledger does.
    return { did: view.fold.did, ledgerHeight, versions: versions.slice(0, n), states: view.states.slice(0, n) }
  }

  /**
   * Every anchored operation of a DID in ledger order, each applied (with its version) or skipped
   * (with the rule it broke).
   * @throws as {@link GridResolver.resolveState}, except that an unknown DID gives an empty history.
   */
  async history(did: string): Promise<{ did: string; state: DidState | undefined; operations: HistoryEntry[] }> {
    const view = await this.#viewOf(did, 'history')
    const applied = view.fold.versions.map(
      (v): HistoryEntry => ({ cid: v.cid, type: v.type, height: v.height, position: v.position, time: isoSeconds(v.time), applied: true, versionId: v.versionId }),
    )
    const skipped = view.fold.skipped.map((s): HistoryEntry => {
      const entry: HistoryEntry = { cid: s.cid, height: s.height, position: s.position, time: isoSeconds(s.time), applied: false, reason: s.reason, message: s.message }
      if (s.type) entry.type = s.type
      return entry
    })
    const operations = [...applied, ...skipped].sort((a, b) => a.height - b.height || a.position - b.position)
    return { did: view.fold.did, state: view.fold.state, operations }
  }

  /**
   * Dereferences a DID URL: the document, a verification method or service by fragment, a
   * service endpoint by `service` (+ `relativeRef`), or a DID-linked resource by its path
   * `/resources/<id>` (`application/json`). A service endpoint has its own media type
   * (`text/uri-list`, or `application/json` for a map): an `accept` naming another is
   * `representationNotSupported`. Bad options are `invalidOptions`. Never throws.
   * @example `await resolver.dereference(`${did}#key-1`) // contentStream: the verification method`
   * @see ../../spec/did-grid.md#did-urls
   */
  async dereference(didUrl: string, options: GridResolutionOptions = {}): Promise<DIDDereferencingResult> {
    try {
      return await this.#dereference(didUrl, options ?? {})
    } catch (err) {
      return derefFailure('internalError', `dereferencing failed: ${messageOf(err)}`)
    }
  }

  async #dereference(didUrl: string, options: GridResolutionOptions): Promise<DIDDereferencingResult> {
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
    if (url.path !== undefined) return this.#dereferenceResource(url, options)
    const queryless = url.did + (url.query !== undefined ? `?${url.query}` : '')
    const serviceId = url.params?.service
    // A service is dereferenced to its endpoint, whose media types are its own (text/uri-list or
    // application/json): `accept` is weighed against those, not passed on as a document representation.
    const contentType = options.accept ?? DEFAULT_CONTENT_TYPE
    const resolved = await this.resolve(queryless, serviceId === undefined ? { ...options, accept: contentType } : { ...options, accept: DEFAULT_CONTENT_TYPE })
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
        return notAcceptable(serviceId, type, options.accept) ?? { dereferencingMetadata: { contentType: type }, contentStream: endpoint, contentMetadata: meta }
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
      return notAcceptable(serviceId, URI_LIST, options.accept) ?? { dereferencingMetadata: { contentType: URI_LIST }, contentStream: target, contentMetadata: meta }
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

  /**
   * One version of a DID-linked resource (`<did>/resources/<id>`): the latest, or the one a
   * `versionId` (the resource's own version number), `versionTime` or `ledgerHeight` selects, given
   * in the URL's query or in `options`. Resource versions are verified like every operation: signed
   * by the owner's update key or an `assertionMethod` key at their ledger position, hash-linked.
   *
   * @throws {InvalidDidUrlError} for a URL that is not a resource URL; {@link UnknownNetworkError};
   *   {@link ResourceNotFoundError} when the resource or the selected version does not exist;
   *   {@link HeightNotReachedError} when `ledgerHeight` is above the finalized head;
   *   {@link LedgerUnavailableError} (or whatever the ledger throws).
   * @example
   * ```ts
   * const { version } = await resolver.resolveResource(`${utility}/resources/trust-registry`, { ledgerHeight: 120 })
   * version.content // the registry as anchored at or below height 120
   * ```
   * @see ../../spec/did-grid.md#did-linked-resources
   */
  async resolveResource(resourceUrl: string, options: ResourceSelection = {}): Promise<ResolvedResource> {
    const url = parseDidUrl(resourceUrl)
    const resourceId = resourceIdOf(url.path)
    if (resourceId === undefined) throw new InvalidDidUrlError(`${resourceUrl} is not a resource URL (<did>/resources/<id>)`)
    if (url.fragment !== undefined) throw new InvalidDidUrlError('a resource URL has no fragment')
    const selected = selectorOf(url.params, options)
    if ('error' in selected) throw selected.error === 'invalidDidUrl' ? new InvalidDidUrlError(selected.message) : new RangeError(selected.message)
    const selector = selected.selector
    const ledger = this.#networks.get(url.network)
    if (!ledger) throw new UnknownNetworkError(url.network)
    const { owner, resource } = await this.#cache.resource(ledger, url, resourceId)
    const height = resource.height
    if (selector && 'ledgerHeight' in selector && selector.ledgerHeight > height) {
      throw new HeightNotReachedError(selector.ledgerHeight, height)
    }
    const versions = resource.fold.versions
    const index = selector ? selectIndex(versions, selector) : versions.length - 1
    const version = index === undefined ? undefined : versions[index]
    const id = `${url.did}/resources/${resourceId}`
    if (!version) throw new ResourceNotFoundError(id, selector ? describe(selector) : undefined)
    // A read pinned to a height answers as of that height only: later versions and a later
    // deactivation do not show, so the answer never changes as the ledger grows.
    const cutoff = selector && 'ledgerHeight' in selector ? selector.ledgerHeight : height
    const later = versions[version.versionId]
    const next = later && later.height <= cutoff ? later : undefined
    const ownerState = stateBefore(owner, cutoff + 1, 0)
    return {
      id,
      did: url.did,
      resourceId,
      version,
      nextVersionId: next ? next.versionId : undefined,
      ownerDeactivated: ownerState?.deactivated === true,
      ledgerHeight: cutoff,
    }
  }

  async #dereferenceResource(url: GridDidUrl, options: GridResolutionOptions): Promise<DIDDereferencingResult> {
    if (resourceIdOf(url.path) === undefined) return derefFailure('notFound', `no resource at path ${url.path}`)
    let resolved: ResolvedResource
    try {
      resolved = await this.resolveResource(url.didUrl, pickSelection(options))
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

  async #viewOf(did: string, need: ViewNeed): Promise<DidView> {
    const parsed = parseDid(did)
    const ledger = this.#networks.get(parsed.network)
    if (!ledger) throw new UnknownNetworkError(parsed.network)
    return this.#cache.view(ledger, parsed, need)
  }
}

/** A DID's history up to a ledger height (see {@link GridResolver.timeline}). */
export interface DidTimeline {
  did: string
  ledgerHeight: number
  /** Applied operations at or below `ledgerHeight`, oldest first. */
  versions: readonly AppliedVersion[]
  /** `states[i]` is the state after `versions[i]`; the last one is the DID as of `ledgerHeight`. */
  states: readonly DidState[]
}

/** Selects a resource version; at most one of the three. */
export interface ResourceSelection {
  /** The resource's n-th applied version (`1` = first). */
  versionId?: string | number
  /** The version current at this time (`YYYY-MM-DDTHH:MM:SSZ`). */
  versionTime?: string
  /** The version current at this ledger height. */
  ledgerHeight?: number
}

/** One resolved version of a DID-linked resource. */
export interface ResolvedResource {
  /** `<did>/resources/<resourceId>`. */
  id: string
  did: string
  resourceId: string
  version: ResourceVersion
  /** The version that replaced this one, if any, as of `ledgerHeight`. */
  nextVersionId: number | undefined
  /** Whether the owner DID was deactivated at the read height. */
  ownerDeactivated: boolean
  /** The ledger height the answer holds for. */
  ledgerHeight: number
}

const RESOURCE_PATH = /^\/resources\/([A-Za-z0-9_-]{1,64})$/

function resourceIdOf(path: string | undefined): string | undefined {
  return path === undefined ? undefined : RESOURCE_PATH.exec(path)?.[1]
}

function pickSelection(options: GridResolutionOptions): ResourceSelection {
  const out: ResourceSelection = {}
  if (options.versionId !== undefined) out.versionId = options.versionId
  if (options.versionTime !== undefined) out.versionTime = options.versionTime
  if (options.ledgerHeight !== undefined) out.ledgerHeight = options.ledgerHeight
  return out
}

type VersionSelector = { versionId: number } | { versionTime: number } | { ledgerHeight: number } | undefined

/**
 * The version selector of a DID URL's query and of the resolution options together. A bad value in
 * the query is the DID URL's fault (`invalidDidUrl`), one in the options the caller's
 * (`invalidOptions`, DID Resolution §Errors); an option replaces the same parameter of the query,
 * and two different selectors cannot be combined (a selector in the query other than the
 * options' is `invalidDidUrl`).
 */
function selectorOf(params: Record<string, string> | undefined, options: ResourceSelection): { selector: VersionSelector } | { error: 'invalidDidUrl' | 'invalidOptions'; message: string } {
  let fromUrl: VersionSelector
  let fromOptions: VersionSelector
  try {
    fromUrl = versionSelector(params ?? {})
  } catch (err) {
    if (err instanceof InvalidDidUrlError) return { error: 'invalidDidUrl', message: err.message }
    throw err
  }
  try {
    fromOptions = versionSelector(pickVersion(options))
  } catch (err) {
    if (err instanceof InvalidDidUrlError || err instanceof TypeError) return { error: 'invalidOptions', message: `resolution option ${err.message}` }
    throw err
  }
  // A DID URL that selects otherwise than the options is the URL's fault: a caller such as the
  // credential verifier pins ledgerHeight, and a URL taken from a credential may not override it.
  if (fromUrl && fromOptions && Object.keys(fromUrl)[0] !== Object.keys(fromOptions)[0]) {
    return { error: 'invalidDidUrl', message: `${Object.keys(fromUrl)[0]} in the DID URL cannot be combined with the resolution option ${Object.keys(fromOptions)[0]}` }
  }
  return { selector: fromOptions ?? fromUrl }
}

function pickVersion(options: ResourceSelection): Record<string, string> {
  const out: Record<string, string> = {}
  if (options.versionId !== undefined) out.versionId = String(options.versionId)
  if (options.versionTime !== undefined) out.versionTime = String(options.versionTime)
  if (options.ledgerHeight !== undefined) out.ledgerHeight = String(options.ledgerHeight)
  return out
}

function versionSelector(params: Record<string, string>): VersionSelector {
  const given = ['versionId', 'versionTime', 'ledgerHeight'].filter((k) => params[k] !== undefined)
  if (given.length > 1) throw new InvalidDidUrlError(`${given.join(' and ')} cannot be combined`)
  if (params.versionId !== undefined) return { versionId: parseVersionId(params.versionId) }
  if (params.versionTime !== undefined) return { versionTime: parseVersionTime(params.versionTime) }
  if (params.ledgerHeight !== undefined) {
    if (!/^(0|[1-9][0-9]{0,14})$/.test(params.ledgerHeight)) throw new InvalidDidUrlError('ledgerHeight must be a non-negative integer')
    return { ledgerHeight: Number(params.ledgerHeight) }
  }
  return undefined
}

function describe(selector: VersionSelector): string {
  if (!selector) return 'latest'
  if ('versionId' in selector) return `versionId ${selector.versionId}`
  if ('versionTime' in selector) return `versionTime ${isoSeconds(selector.versionTime)}`
  return `ledger height ${selector.ledgerHeight}`
}

/** The state at the selected version (states of applied operations are kept by the view). */
function selectVersion(view: DidView, selector: VersionSelector): DidState | undefined {
  const latest = view.fold.state!
  if (!selector) return latest
  const wanted = selectIndex(view.fold.versions, selector)
  return wanted === undefined ? undefined : view.states[wanted]
}

/** Index of the version a selector picks among applied versions in ledger order, if any. */
function selectIndex(versions: readonly { height: number; time: number }[], selector: NonNullable<VersionSelector>): number | undefined {
  if ('versionId' in selector) return selector.versionId >= 1 && selector.versionId <= versions.length ? selector.versionId - 1 : undefined
  let found: number | undefined
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i]!
    if ('versionTime' in selector ? v.time > selector.versionTime : v.height > selector.ledgerHeight) break
    found = i
  }
  return found
}

function documentMetadata(view: DidView, state: DidState): DIDDocumentMetadata {
  const meta: DIDDocumentMetadata = { created: isoSeconds(state.created) }
  if (state.updated !== undefined) meta.updated = isoSeconds(state.updated)
  // DID Core §7.3.2.3: a deactivated DID says so for every version resolved, not only the last.
  if (view.fold.state?.deactivated) meta.deactivated = true
  meta.versionId = String(state.versionId)
  // The latest state has no next version (and a view continued from a checkpoint lists only the
  // versions after it, so its indices are not version numbers).
  const next = state === view.fold.state ? undefined : view.fold.versions[state.versionId]
  if (next) {
    meta.nextUpdate = isoSeconds(next.time)
    meta.nextVersionId = String(next.versionId)
  }
  const method: GridMethodMetadata = {
    head: state.head,
    recoveryHead: state.recoveryHead,
    updateKey: state.updateKey,
    recoveryKey: state.recoveryKey,
    ledgerHeight: String(view.height),
  }
  meta.method = method
  return meta
}

/**
 * For a string that is a DID of another method (DID Core §3.1 syntax, method other than `grid`),
 * the message of `methodNotSupported`; undefined otherwise (then it is an invalid DID).
 */
function otherMethod(didUrl: string): string | undefined {
  const did = didUrl.split(/[/?#]/, 1)[0]!
  if (!isDidSyntax(did)) return undefined
  const method = did.split(':', 2)[1]!
  return method === METHOD ? undefined : `this resolver serves did:${METHOD}, not did:${method.slice(0, 40)}`
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

function failure(error: string, message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} }
}

function derefFailure(error: string, message: string): DIDDereferencingResult {
  return { dereferencingMetadata: { error, message }, contentStream: null, contentMetadata: {} }
}

