import { InvalidDidError, InvalidDidUrlError, ResourceNotFoundError, UnknownNetworkError } from '../errors.js'
import type { JsonValue } from '../lib/jcs.js'
import { parseDid, parseDidUrl } from '../method/did.js'
import type { DidTimeline } from '../resolver/resolver.js'
import { TRUST_REGISTRY_TYPE, readTrustRegistry, type ParsedTrustRegistry } from './resources.js'
import { pinnedRead } from './resolver-memo.js'
import type { VerificationContext } from './verification-context.js'

/**
 * The ledger as one verification sees it: the context, validated, and every read pinned to its
 * height — DID timelines, resources and the trust registry — memoised so no DID or resource is
 * resolved twice in one verification. A read that cannot be used is a string (a verdict); an
 * outage throws.
 *
 * The memos are plain maps, not a bounded cache: they live as long as one verification, which
 * reads at most a presentation's credentials' DIDs and resources.
 * @internal
 */
export class LedgerView {
  readonly context: VerificationContext
  /** Tolerated clock skew, seconds. */
  readonly skew: number
  /** The trust registry's network: `height` is a height of its ledger, and of no other. */
  readonly #network: string
  /** Key prefix of this view's reads in the resolver's memo: what they depend on besides the DID or URL. */
  readonly #pinned: string
  readonly #timelines = new Map<string, Promise<DidTimeline | string>>()
  readonly #resources = new Map<string, Promise<Readonly<{ [key: string]: JsonValue }> | string>>()
  #registry: Promise<ParsedTrustRegistry | string> | undefined

  constructor(context: VerificationContext) {
    if (typeof context !== 'object' || context === null) throw new TypeError('context must be an object')
    if (typeof context.resolver?.timeline !== 'function') throw new TypeError('context.resolver must be a GridResolver')
    let network: string
    try {
      network = parseDidUrl(context.trustRegistry).network
    } catch {
      throw new TypeError('context.trustRegistry must be the did:grid URL of the trust registry')
    }
    if (!Number.isSafeInteger(context.time) || context.time < 0) throw new RangeError('context.time must be Unix seconds')
    if (!Number.isSafeInteger(context.height) || context.height < 0) throw new RangeError('context.height must be a ledger height')
    const skew = context.clockSkew ?? 0
    if (!Number.isSafeInteger(skew) || skew < 0 || skew > 3600) throw new RangeError('context.clockSkew must be 0-3600 seconds')
    this.context = context
    this.skew = skew
    this.#network = network
    this.#pinned = `${context.height}\n${network}\n`
  }

  timeline(did: string): Promise<DidTimeline | string> {
    let memo = this.#timelines.get(did)
    if (!memo) {
      // Tagged by kind, JSON-quoted: a name from a token (an `iss`) can never take a resource's key.
      memo = pinnedRead(this.context.resolver, `${this.#pinned}${JSON.stringify(['did', did])}`, () => {
        const elsewhere = this.#offNetwork(did)
        return elsewhere
          ? Promise.resolve(elsewhere)
          : this.context.resolver.timeline(did, this.context.height).catch((err: unknown) => {
              // Not a did:grid DID or a network nobody configured: a verdict. An outage: thrown.
              if (err instanceof InvalidDidError || err instanceof UnknownNetworkError) return `${did.slice(0, 120)}: ${err.message}`
              throw err
            })
      })
      this.#timelines.set(did, memo)
    }
    return memo
  }

  /** Why a DID cannot be read at this height: it lives on another ledger, whose heights mean nothing here. */
  #offNetwork(did: string): string | undefined {
    let network: string
    try {
      network = parseDid(did).network
    } catch {
      return undefined // the resolver reports a bad DID
    }
    return network === this.#network
      ? undefined
      : `${did.slice(0, 120)} is on network ${network}; a check at a height of ${this.#network} reads only ${this.#network}`
  }

  registry(): Promise<ParsedTrustRegistry | string> {
    this.#registry ??= this.resource(this.context.trustRegistry, TRUST_REGISTRY_TYPE).then((content) =>
      typeof content === 'string' ? content : readTrustRegistry(content),
    )
    return this.#registry
  }

  /** A resource's content as of the context height, or why it cannot be used. Outages throw. */
  resource(url: string, type?: string): Promise<Readonly<{ [key: string]: JsonValue }> | string> {
    const key = `${type ?? ''} ${url}`
    let memo = this.#resources.get(key)
    if (!memo) {
      memo = pinnedRead(this.context.resolver, `${this.#pinned}${JSON.stringify(['resource', type ?? null, url])}`, () =>
        this.#readResource(url, type),
      )
      this.#resources.set(key, memo)
    }
    return memo
  }

  async #readResource(url: string, type?: string): Promise<Readonly<{ [key: string]: JsonValue }> | string> {
    try {
      const elsewhere = this.#offNetwork(parseDidUrl(url).did)
      if (elsewhere) return elsewhere
      const { version, ownerDeactivated } = await this.context.resolver.resolveResource(url, { ledgerHeight: this.context.height })
      if (ownerDeactivated) return `the owner of ${url} is deactivated`
      if (type !== undefined && version.resourceType !== type) return `${url} is a ${version.resourceType}, not a ${type}`
      return version.content
    } catch (err) {
      if (
        err instanceof ResourceNotFoundError ||
        err instanceof InvalidDidUrlError ||
        err instanceof InvalidDidError ||
        err instanceof UnknownNetworkError
      ) {
        return err.message
      }
      throw err
    }
  }
}
