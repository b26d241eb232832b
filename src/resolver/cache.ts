import type { Ledger } from '../ledger/types.js'
import type { GridDid } from '../method/did.js'
import { checkOperation, DidFold, type CheckedOperation } from '../method/state.js'

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
  /** The fold of `records`. */
  fold: DidFold
}

/**
 * Per-DID views keyed to the ledger head. A view is extended with only the operations anchored
 * since its height (one indexed read), so a rotation is visible on the very next resolve and no
 * signature is verified twice. A failed read changes nothing, so an outage is never cached.
 * @internal
 */
export class ViewCache {
  readonly #max: number
  readonly #views = new Map<string, DidView>()
  readonly #inflight = new Map<string, Promise<DidView>>()

  /** `max` 0 disables caching: every call reads the DID's whole log. */
  constructor(max: number) {
    this.#max = max
  }

  /** The view of `did` as of the ledger's finalized head. Throws what the ledger throws. */
  async view(ledger: Ledger, did: GridDid): Promise<DidView> {
    const head = await ledger.head()
    const target = head.finalizedHeight
    const key = did.did
    for (;;) {
      const cached = this.#views.get(key)
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
    const load = this.#extend(ledger, did, target)
    if (this.#max === 0) return load
    this.#inflight.set(key, load)
    try {
      return await load
    } finally {
      this.#inflight.delete(key)
    }
  }

  async #extend(ledger: Ledger, did: GridDid, target: number): Promise<DidView> {
    const cached = this.#max > 0 ? this.#views.get(did.did) : undefined
    const from = cached?.height ?? 0
    const fresh = await ledger.read(did.suffix, { afterHeight: from, untilHeight: target })
    // Ledger order is (height, position); do not rely on the adapter for it.
    fresh.sort((a, b) => a.height - b.height || a.position - b.position)
    const view: DidView = cached ?? { height: 0, records: [], fold: new DidFold(did.did, did.suffix) }
    for (const op of fresh) {
      // A ledger that ignores the range must not make us fold an operation twice.
      if (op.height <= from || op.height > target) continue
      const checked = checkOperation(op)
      if (view.fold.push(checked)) view.records.push(checked)
    }
    view.height = target
    if (this.#max > 0) this.#touch(did.did, view)
    return view
  }

  #touch(key: string, view: DidView): void {
    this.#views.delete(key)
    this.#views.set(key, view)
    if (this.#views.size > this.#max) this.#views.delete(this.#views.keys().next().value!)
  }
}
