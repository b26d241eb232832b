import type { DIDResolutionResult } from 'did-resolver'
import { DidNotFoundError, UnknownNetworkError } from '../errors.js'
import type { Ledger, LedgerHead } from '../ledger/types.js'
import { randomBytes } from '../lib/crypto.js'
import type { DidState } from '../method/state-types.js'
import { CHECKPOINT_EVERY, ViewCache } from './cache.js'
import { CHECKPOINT_SECRET_MIN } from './checkpoint.js'
import { viewOf, type ResolverContext } from './context.js'
import { dereference } from './dereference.js'
import { history, timeline } from './history.js'
import { resolveDid } from './resolve-did.js'
import { resolveResource } from './resolve-resource.js'
import { resolveRepresentation } from './representation.js'
import type {
  DIDDereferencingResult,
  DIDResolutionRepresentationResult,
  DidTimeline,
  GridResolutionOptions,
  GridResolverConfig,
  HistoryEntry,
  ResolvedResource,
  ResourceSelection,
} from './resolution-types.js'

export { SUPPORTED_CONTENT_TYPES } from './resolve-did.js'
export type {
  DIDDereferencingResult,
  DIDResolutionRepresentationResult,
  DidTimeline,
  GridMethodMetadata,
  GridResolutionOptions,
  GridResolverConfig,
  HistoryEntry,
  ResolvedResource,
  ResourceSelection,
} from './resolution-types.js'

/**
 * Resolves `did:grid` DIDs against the ledgers of the configured networks. Each public method
 * delegates to the file of its concept (`resolve-did.ts`, `representation.ts`, `dereference.ts`,
 * `resolve-resource.ts`, `history.ts`); they share one `ResolverContext` per instance.
 *
 * Two error contracts:
 * - **Resolution never throws** ({@link GridResolver.resolve}, {@link GridResolver.resolveRepresentation},
 *   {@link GridResolver.dereference}): failures are `didResolutionMetadata.error` or
 *   `dereferencingMetadata.error` (`invalidDid`, `invalidDidUrl`, `notFound`,
 *   `representationNotSupported`, `methodNotSupported`, `invalidOptions`,
 *   `notAllowedServiceEndpoint`, `internalError`). A ledger failure is always `internalError`, never
 *   `notFound`, and is never cached.
 * - **State reads throw** ({@link GridResolver.head}, {@link GridResolver.resolveState},
 *   {@link GridResolver.timeline}, {@link GridResolver.history}, {@link GridResolver.resolveResource}):
 *   they are for building operations and for deterministic callers, and throw a `GridError` subclass
 *   (`InvalidDidError`, `InvalidDidUrlError`, `UnknownNetworkError`, `DidNotFoundError`,
 *   `HeightNotReachedError`, `ResourceNotFoundError`), a `RangeError` for a bad argument, or whatever
 *   the ledger throws.
 *
 * @example
 * ```ts
 * const resolver = new GridResolver({ networks: { sgcc: ledger } })
 * const { didDocument, didDocumentMetadata } = await resolver.resolve(did)
 * const old = await resolver.resolve(did, { versionId: 1 })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export class GridResolver {
  readonly #context: ResolverContext

  constructor(config: GridResolverConfig) {
    if (typeof config !== 'object' || config === null || typeof config.networks !== 'object' || config.networks === null) {
      throw new TypeError('config.networks must map network names to ledgers')
    }
    const networks = new Map(Object.entries(config.networks))
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
    const cache = new ViewCache(max, every, given ? Uint8Array.from(given) : randomBytes(CHECKPOINT_SECRET_MIN))
    this.#context = { networks, cache }
  }

  /** Network names this resolver serves. */
  get networks(): string[] {
    return [...this.#context.networks.keys()]
  }

  /**
   * The head of a network's ledger (for health checks and HTTP validators such as `ETag`).
   * @throws {UnknownNetworkError}; whatever the ledger throws.
   */
  head(network: string): Promise<LedgerHead> {
    const ledger = this.#context.networks.get(network)
    if (!ledger) return Promise.reject(new UnknownNetworkError(network))
    return ledger.head()
  }

  /**
   * The reading half of a network's ledger, as configured: what the endpoint's operation-log route
   * serves (spec §Operation logs).
   * @throws {UnknownNetworkError}
   */
  ledger(network: string): Pick<Ledger, 'read' | 'head' | 'batch' | 'onAnchor'> {
    const ledger = this.#context.networks.get(network)
    if (!ledger) throw new UnknownNetworkError(network)
    return ledger
  }

  /**
   * Resolves a DID (DID Core §7.1 `resolve`): the document as data, so `didResolutionMetadata` has
   * no `contentType` (that belongs to {@link GridResolver.resolveRepresentation}). Accepts a DID
   * whose query carries `versionId` or `versionTime`, as did-resolver passes them, or the same
   * selectors in `options`. An `accept` given anyway must be a supported type; `application/did+json`
   * leaves out `@context`.
   */
  resolve(did: string, options: GridResolutionOptions = {}): Promise<DIDResolutionResult> {
    return resolveDid(this.#context, did, options)
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
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
   */
  resolveRepresentation(did: string, options: GridResolutionOptions = {}): Promise<DIDResolutionRepresentationResult> {
    return resolveRepresentation(this, did, options)
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
    const view = await viewOf(this.#context, did, 'latest')
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
  timeline(did: string, ledgerHeight: number): Promise<DidTimeline> {
    return timeline(this.#context, did, ledgerHeight)
  }

  /**
   * Every anchored operation of a DID in ledger order, each applied (with its version) or skipped
   * (with the rule it broke).
   * @throws as {@link GridResolver.resolveState}, except that an unknown DID gives an empty history.
   */
  history(did: string): Promise<{ did: string; state: DidState | undefined; operations: HistoryEntry[] }> {
    return history(this.#context, did)
  }

  /**
   * Dereferences a DID URL: the document, a verification method or service by fragment, a
   * service endpoint by `service` (+ `relativeRef`), or a DID-linked resource by its path
   * `/resources/<id>` (`application/json`). A service endpoint has its own media type
   * (`text/uri-list`, or `application/json` for a map): an `accept` naming another is
   * `representationNotSupported`. Bad options are `invalidOptions`. Never throws.
   * @example `await resolver.dereference(`${did}#key-1`) // contentStream: the verification method`
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-urls
   */
  dereference(didUrl: string, options: GridResolutionOptions = {}): Promise<DIDDereferencingResult> {
    return dereference(this, didUrl, options)
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
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
   */
  resolveResource(resourceUrl: string, options: ResourceSelection = {}): Promise<ResolvedResource> {
    return resolveResource(this.#context, resourceUrl, options)
  }
}
