import { READ_PAGE_SIZE, readPages } from '../ledger/pages.js'
import type { Ledger, LogPosition } from '../ledger/types.js'
import { Lru } from '../lib/lru.js'
import type { GridDid } from '../method/did.js'
import { resourceSuffix } from '../method/operation.js'
import { ResourceFold } from '../method/resource.js'
import { checkOperation, DidFold, type DidState } from '../method/state.js'
import { encodeCheckpoint, usableCheckpoint } from './checkpoint.js'

/** Operations folded past a DID's last checkpoint before the resolver writes a new one (default): a cold resolve verifies at most 7 signatures again (spec §Checkpoints). */
export const CHECKPOINT_EVERY = 8

/**
 * What a caller needs of a DID: only its latest state (which a view continued from a checkpoint can
 * answer), or its history (every applied version: selectors, timelines, resource owners).
 */
export type ViewNeed = 'latest' | 'history'

/** What the resolver knows of one DID, as of one ledger height. */
export interface DidView {
  /** Ledger height this view is complete up to. */
  height: number
  /**
   * Height of the checkpoint the view continues from, if it does. `records`, `states`,
   * `fold.versions` and `fold.skipped` then hold only the operations above it, so the view answers
   * the latest state only.
   */
  from?: number
  /** Operations folded, applied and skipped, those behind the checkpoint included. */
  operations: number
  /**
   * `operations` as of the newest checkpoint this view read or wrote. Undefined when the view was
   * built without looking for one (history views, checkpoints off): such a view writes none.
   */
  checkpointed?: number
  /**
   * Where the DID's *applied* operations up to `height` sit, for finding the state at a ledger
   * position. Operations themselves are not kept: the fold keeps states, and skipped operations
   * only as `fold.skipped` summaries, so junk costs no cache memory beyond one summary each.
   */
  records: LogPosition[]
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
 * never cached. A new view of a DID's latest state starts from the DID's newest checkpoint when the
 * ledger keeps checkpoints, and leaves a new one every `checkpointEvery` operations folded.
 * @internal
 */
export class ViewCache {
  /** Undefined when caching is off (`max` 0). */
  readonly #views: Lru<string, View> | undefined
  readonly #inflight = new Map<string, Promise<View>>()

  readonly #every: number
  readonly #secret: Uint8Array
  readonly #page: number

  /**
   * `max` 0 disables caching: every call reads the log again. `checkpointEvery` 0 disables
   * checkpoints: a view never starts from one and never writes one. `checkpointSecret` keys the
   * checkpoints' HMAC: a view starts only from a checkpoint written under the same secret.
   * `pageSize`: operations per read.
   */
  constructor(max: number, checkpointEvery: number, checkpointSecret: Uint8Array, pageSize = READ_PAGE_SIZE) {
    this.#views = max === 0 ? undefined : new Lru({ maxEntries: max })
    this.#every = checkpointEvery
    this.#secret = checkpointSecret
    this.#page = pageSize
  }

  /**
   * The view of `did` as of the ledger's finalized head. With `pinned` (a read as of that height), a
   * cached view already complete to `pinned` or above answers without reading the head: heights at
   * or below a finalized head never change (spec §Caching). Throws what the ledger throws.
   */
  async view(ledger: Ledger, did: GridDid, need: ViewNeed, pinned?: number): Promise<DidView> {
    const covering = pinned === undefined ? undefined : this.#covering<DidView>(did.did, pinned)
    if (covering && (need === 'latest' || covering.from === undefined)) return covering
    const target = (await ledger.head()).finalizedHeight
    return this.#didAt(ledger, did, target, need)
  }

  /**
   * The view of `<did>/resources/<resourceId>` and of its owner, both as of the finalized head, or
   * both complete to `pinned` or above as {@link ViewCache.view}. Throws what the ledger throws.
   */
  async resource(ledger: Ledger, did: GridDid, resourceId: string, pinned?: number): Promise<{ owner: DidView; resource: ResourceView }> {
    if (pinned !== undefined) {
      const owner = this.#covering<DidView>(did.did, pinned)
      const resource = owner?.from === undefined ? this.#covering<ResourceView>(`${did.did}/resources/${resourceId}`, pinned) : undefined
      if (owner && resource) return { owner, resource }
    }
    const target = (await ledger.head()).finalizedHeight
    // The owner's state before each resource version is needed: its full history.
    const owner = await this.#didAt(ledger, did, target, 'history')
    const resource = await this.#get(
      `${did.did}/resources/${resourceId}`,
      target,
      () => true,
      (cached: ResourceView | undefined) => this.#extendResource(ledger, did, resourceId, owner, target, cached),
    )
    return { owner, resource }
  }

  #didAt(ledger: Ledger, did: GridDid, target: number, need: ViewNeed): Promise<DidView> {
    return this.#get(
      did.did,
      target,
      (view: DidView) => need === 'latest' || view.from === undefined,
      (cached: DidView | undefined) => this.#extendDid(ledger, did, target, cached, need),
    )
  }

  async #get<V extends View>(
    key: string,
    target: number,
    usable: (view: V) => boolean,
    extend: (cached: V | undefined) => Promise<V>,
  ): Promise<V> {
    for (;;) {
      // peek: only a view that answers becomes the most recently used (#touch).
      const cached = this.#views?.peek(key) as V | undefined
      if (cached && cached.height === target && usable(cached)) {
        this.#touch(key, cached)
        return cached
      }
      // A head below the view means the ledger was rolled back or replaced: start over. A view
      // continued from a checkpoint cannot answer for history: rebuild it from the whole log.
      if (cached && (cached.height > target || !usable(cached))) this.#views?.delete(key)
      const pending = this.#inflight.get(key)
      if (!pending) break
      // Another call is extending this view; wait for it, then look again.
      await pending.catch(() => undefined)
    }
    if (this.#views === undefined) return extend(undefined)
    const load = extend(this.#views.peek(key) as V | undefined).then((view) => {
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

  async #extendDid(ledger: Ledger, did: GridDid, target: number, cached: DidView | undefined, need: ViewNeed): Promise<DidView> {
    const view = cached ?? (await this.#startDid(ledger, did, target, need))
    // Only a view that already holds operations rests on an earlier read that could differ now.
    const extending = cached !== undefined && cached.operations > 0
    // Page by page, so memory holds one page of operations however long the log (spec §Anchoring).
    // A read that fails halfway cuts the view back to where it was: an outage is never cached.
    const mark = view.fold.mark()
    const applied = view.records.length
    let operations = 0
    try {
      for await (const page of readPages(ledger, did.suffix, { afterHeight: view.height, untilHeight: target }, this.#page)) {
        for (const op of page) {
          const state = view.fold.push(checkOperation(op))
          if (state) {
            view.records.push({ height: op.height, position: op.position })
            view.states.push(state)
          }
        }
        operations += page.length
      }
    } catch (err) {
      view.fold.rollback(mark)
      view.records.length = applied
      view.states.length = applied
      throw err
    }
    view.height = target
    view.operations += operations
    // A cached view extends what the store showed before. If the store now holds a different number
    // of the key's operations up to here (one hidden then and restored since), that view describes
    // a log that is not this one: fold the whole log again.
    if (extending && ledger.countOperations && (await ledger.countOperations(did.suffix, target)) !== view.operations) {
      return this.#extendDid(
        ledger,
        did,
        target,
        { height: 0, operations: 0, records: [], states: [], fold: new DidFold(did.did, did.suffix) },
        need,
      )
    }
    if (view.checkpointed !== undefined && view.operations - view.checkpointed >= this.#every && ledger.writeCheckpoint) {
      // Best effort: a checkpoint that cannot be written costs a later cold resolve time, never an
      // answer. It is not retried before another `#every` operations either way.
      view.checkpointed = view.operations
      try {
        await ledger.writeCheckpoint(encodeCheckpoint(this.#secret, did, target, view.operations, view.fold.state))
      } catch {
        // ignored, see above
      }
    }
    return view
  }

  /**
   * A new, empty view of `did`; for the latest state only, continued from the newest usable
   * checkpoint at or below `target` (spec §Checkpoints) when there is one.
   */
  async #startDid(ledger: Ledger, did: GridDid, target: number, need: ViewNeed): Promise<DidView> {
    const empty: DidView = { height: 0, operations: 0, records: [], states: [], fold: new DidFold(did.did, did.suffix) }
    if (need === 'history' || this.#every === 0) return empty
    empty.checkpointed = 0
    const found = await usableCheckpoint(ledger, this.#secret, did, target)
    if (!found) return empty
    return {
      height: found.height,
      from: found.height,
      operations: found.operations,
      checkpointed: found.operations,
      records: [],
      states: [],
      fold: DidFold.resume(did.did, did.suffix, found.state),
    }
  }

  async #extendResource(
    ledger: Ledger,
    did: GridDid,
    resourceId: string,
    owner: DidView,
    target: number,
    cached: ResourceView | undefined,
  ): Promise<ResourceView> {
    const view: ResourceView = cached ?? { height: 0, fold: new ResourceFold(did.did, resourceId) }
    const mark = view.fold.mark()
    try {
      for await (const page of readPages(
        ledger,
        resourceSuffix(did.did, resourceId),
        { afterHeight: view.height, untilHeight: target },
        this.#page,
      )) {
        for (const op of page) view.fold.push(checkOperation(op), stateBefore(owner, op.height, op.position))
      }
    } catch (err) {
      view.fold.rollback(mark)
      throw err
    }
    view.height = target
    return view
  }

  /** The cached view under `key` if it is complete to `height` or above and nobody is extending it. */
  #covering<V extends View>(key: string, height: number): V | undefined {
    const cached = this.#views?.peek(key) as V | undefined
    if (!cached || cached.height < height || this.#inflight.has(key)) return undefined
    return this.#views!.get(key) as V // now the most recently used
  }

  /** Keeps `view` as the most recently used; beyond `max` views the least recently used goes. */
  #touch(key: string, view: View): void {
    this.#views?.set(key, view)
  }
}
