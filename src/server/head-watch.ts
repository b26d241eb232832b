import type { GridResolver } from '../resolver/resolver.js'

/** How long the endpoint keeps a network's finalized head between reads, by default (ms). */
export const HEAD_TTL_MS = 25

interface Watched {
  height: number
  /** When the read that gave `height` started (ms on the watch's clock). */
  readAt: number
  /** Bumped by every anchor this process makes on the ledger: a read from before one is stale. */
  generation: number
  /** The `generation` that `height` was read in; -1 before any read. */
  readIn: number
  pending: { generation: number; height: Promise<number> } | undefined
}

/**
 * Each network's finalized head as the endpoint answers from it (spec §HTTP(S) binding, caching):
 * read again once the last read is `ttlMs` old, and on the next request after this process anchors
 * a batch on that ledger (`Ledger.onAnchor`: its own submit, a chain index's sync). Concurrent
 * requests share one read. `ttlMs` 0 reads the head for every request.
 * @internal
 */
export class HeadWatch {
  readonly #resolver: GridResolver
  readonly #ttl: number
  readonly #now: () => number
  readonly #networks = new Map<string, Watched>()

  constructor(resolver: GridResolver, ttlMs: number, now: () => number = () => performance.now()) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) throw new RangeError('options.headTtlMs must be a non-negative integer')
    this.#resolver = resolver
    this.#ttl = ttlMs
    this.#now = now
  }

  /** The finalized height to answer `network` at. Rejects as the ledger's head read does (unknown network, outage). */
  finalized(network: string): number | Promise<number> {
    const watched = this.#ttl === 0 ? undefined : this.#watch(network)
    if (!watched) return this.#resolver.head(network).then((head) => head.finalizedHeight)
    if (watched.readIn === watched.generation && this.#now() - watched.readAt < this.#ttl) return watched.height
    // A read started before the latest anchor may miss it: only one started since is shared.
    if (watched.pending?.generation === watched.generation) return watched.pending.height
    const generation = watched.generation
    const started = this.#now()
    const height = this.#resolver.head(network).then(
      (head) => {
        if (watched.pending?.height === height) watched.pending = undefined
        if (generation >= watched.readIn) {
          watched.height = head.finalizedHeight
          watched.readAt = started
          watched.readIn = generation
        }
        return head.finalizedHeight
      },
      (err: unknown) => {
        if (watched.pending?.height === height) watched.pending = undefined
        throw err
      },
    )
    watched.pending = { generation, height }
    return height
  }

  /** The watch of `network`, subscribed to its anchors; undefined for a network the resolver does not serve. */
  #watch(network: string): Watched | undefined {
    let watched = this.#networks.get(network)
    if (watched) return watched
    let ledger: ReturnType<GridResolver['ledger']>
    try {
      ledger = this.#resolver.ledger(network)
    } catch {
      return undefined
    }
    const fresh: Watched = { height: 0, readAt: 0, generation: 0, readIn: -1, pending: undefined }
    // A ledger that cannot tell of its anchors is read at most `ttlMs` behind.
    ledger.onAnchor?.(() => {
      fresh.generation++
    })
    watched = fresh
    this.#networks.set(network, watched)
    return watched
  }
}
