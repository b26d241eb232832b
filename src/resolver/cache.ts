import type { Ledger } from '../ledger/types.js'
import type { GridDid } from '../method/did.js'
import { resourceSuffix } from '../method/operation.js'
import { ResourceFold } from '../method/resource.js'
import { checkOperation, DidFold, type AnchoredOperation, type CheckedOperation, type DidState } from '../method/state.js'

/** What the resolver knows of one DID, as of one ledger height. */
export interface DidView {
  /** Ledger height this view is complete up to. */
  height: number
  /**
   * The DID's *applied* operations up to `height` (signatures verified once), for re-folding a past
   * version. Skipped operations are kept only as `fold.skipped` summaries: a prefix of the log
   * skips them the same way, and junk must not cost cache memory.
   */
  records: CheckedOperation[]
  /** `states[i]` is the state after `records[i]` (shared, frozen objects). */
  states: DidState[]
  /** The fold of `records`. */
  fold: DidFold
}

/** What the resolver knows of one DID-linked resource, as of one ledger height. */
export interface ResourceView {
  height: number
  fold: ResourceFold
}

/**
 * The owner's state just before ledger position (`height`, `position`): the state a resource
 * version anchored there is checked against. Binary search over the applied records.
 */
export function stateBefore(view: DidView, height: number, position: number): DidState | undefined {
  let lo = 0
  let hi = view.records.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const r = view.records[mid]!
    if (r.height < height || (r.height === height && r.position < position)) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? undefined : view.states[lo - 1]
}

type View = DidView | ResourceView

/**
 * Per-DID and per-resource views keyed to the ledger head. A view is extended with only the
 * operations anchored since its height (one indexed read), so a rotation is visible on the very
 * next resolve and no signature is verified twice. A failed read changes nothing, so an outage is
 * never cached.
 * @internal
 */
export class ViewCache {
  readonly #max: number
  readonly #views = new Map<string, View>()
  readonly #inflight = new Map<string, Promise<View>>()

  /** `max` 0 disables caching: every call reads the whole log. */
  constructor(max: number) {
    this.#max = max
  }

  /** The view of `did` as of the ledger's finalized head. Throws what the ledger throws. */
  async view(ledger: Ledger, did: GridDid): Promise<DidView> {
    const target = (await ledger.head()).finalizedHeight
    return this.#didAt(ledger, did, target)
  }

  /**
   * The view of `<did>/resources/<resourceId>` and of its owner, both as of the finalized head.
   * Throws what the ledger throws.
   */
  async resource(ledger: Ledger, did: GridDid, resourceId: string): Promise<{ owner: DidView; resource: ResourceView }> {
    const target = (await ledger.head()).finalizedHeight
    const owner = await this.#didAt(ledger, did, target)
    const resource = await this.#get(`${did.did}/resources/${resourceId}`, target, (cached: ResourceView | undefined) =>
      this.#extendResource(ledger, did, resourceId, owner, target, cached),
    )
    return { owner, resource }
  }

  #didAt(ledger: Ledger, did: GridDid, target: number): Promise<DidView> {
    return this.#get(did.did, target, (cached: DidView | undefined) => this.#extendDid(ledger, did, target, cached))
  }

  async #get<V extends View>(key: string, target: number, extend: (cached: V | undefined) => Promise<V>): Promise<V> {
    for (;;) {
      const cached = this.#views.get(key) as V | undefined
      if (cached && cached.height === target) {
        this.#touch(key, cached)
        return cached
      }
      // A head below the view means the ledger was rolled back or replaced: start over.
      if (cached && cached.height > target) this.#views.delete(key)
      const pending = this.#inflight.get(key)
      if (!pending) break
      // Another call is extending this view; wait for it, then look again.
      await pending.catch(() => undefined)
    }
    if (this.#max === 0) return extend(undefined)
    const load = extend(this.#views.get(key) as V | undefined).then((view) => {
      this.#touch(key, view)
      return view
    })
    this.#inflight.set(key, load)
    try {
      return await load
    } finally {
      this.#inflight.delete(key)
    }
  }

  async #extendDid(ledger: Ledger, did: GridDid, target: number, cached: DidView | undefined): Promise<DidView> {
    const from = cached?.height ?? 0
    const fresh = await readRange(ledger, did.suffix, from, target)
    const view: DidView = cached ?? { height: 0, records: [], states: [], fold: new DidFold(did.did, did.suffix) }
    for (const op of fresh) {
      const checked = checkOperation(op)
      const state = view.fold.push(checked)
      if (state) {
        view.records.push(checked)
        view.states.push(state)
      }
    }
    view.height = target
    return view
  }

  async #extendResource(
    ledger: Ledger,
    did: GridDid,
    resourceId: string,
    owner: DidView,
    target: number,
    cached: ResourceView | undefined,
  ): Promise<ResourceView> {
    const from = cached?.height ?? 0
    const fresh = await readRange(ledger, resourceSuffix(did.did, resourceId), from, target)
    const view: ResourceView = cached ?? { height: 0, fold: new ResourceFold(did.did, resourceId) }
    for (const op of fresh) view.fold.push(checkOperation(op), stateBefore(owner, op.height, op.position))
    view.height = target
    return view
  }

  #touch(key: string, view: View): void {
    this.#views.delete(key)
    this.#views.set(key, view)
    if (this.#views.size > this.#max) this.#views.delete(this.#views.keys().next().value!)
  }
}

/** Operations of one log in (from, target], in ledger order whatever the adapter returns. */
async function readRange(ledger: Ledger, suffix: string, from: number, target: number): Promise<AnchoredOperation[]> {
  const fresh = await ledger.read(suffix, { afterHeight: from, untilHeight: target })
  // A ledger that ignores the range must not make us fold an operation twice.
  const inRange = fresh.filter((op) => op.height > from && op.height <= target)
  // Ledger order is (height, position); do not rely on the adapter for it.
  return inRange.sort((a, b) => a.height - b.height || a.position - b.position)
}
