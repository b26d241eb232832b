import { Listeners } from '../lib/listeners.js'
import { LedgerClosedError } from '../errors.js'
import { toHex } from '../lib/bytes.js'
import type { AnchoredOperation } from '../method/state.js'
import { admitBatch, checkHeight, checkRead, inReadRange, nextTime, systemClock } from './admit.js'
import { merkleRoot } from './merkle.js'
import type { BatchInfo, Ledger, LedgerHead, ReadOptions, Receipt, Submittable } from './types.js'

/** Options of {@link MemoryLedger}. */
export interface MemoryLedgerOptions {
  /** Source of anchoring time in Unix seconds (default: the system clock). */
  clock?: () => number
}

interface Stored extends AnchoredOperation {
  receipt: Receipt
}

/**
 * A ledger held in memory, for tests and short-lived tools. Same semantics as the durable adapters.
 *
 * @example
 * ```ts
 * const ledger = new MemoryLedger()
 * const [receipt] = await ledger.submit([op.bytes])
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#anchoring
 */
export class MemoryLedger implements Ledger {
  readonly #clock: () => number
  readonly #batches: BatchInfo[] = []
  readonly #byDid = new Map<string, Stored[]>()
  readonly #byCid = new Map<string, Receipt>()
  #closed = false
  readonly #anchorListeners = new Listeners()

  constructor(options: MemoryLedgerOptions = {}) {
    this.#clock = options.clock ?? systemClock
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    this.#open()
    const { unique, indexOf } = admitBatch(operations)
    const fresh = unique.filter((op) => !this.#byCid.has(op.cid))
    if (fresh.length > 0) {
      const last = this.#batches.at(-1)
      const height = (last?.height ?? 0) + 1
      const time = nextTime(this.#clock, last?.time ?? 0)
      const root = toHex(merkleRoot(fresh.map((op) => op.digest)))
      this.#batches.push({ height, time, root, operations: fresh.map((op) => op.cid) })
      fresh.forEach((op, position) => {
        const receipt: Receipt = { cid: op.cid, did: op.did, height, position, time, batchRoot: root }
        this.#byCid.set(op.cid, receipt)
        let list = this.#byDid.get(op.suffix)
        if (!list) this.#byDid.set(op.suffix, (list = []))
        list.push({ bytes: op.bytes, height, position, time, receipt })
      })
      this.#anchorListeners.emit()
    }
    return indexOf.map((i) => ({ ...this.#byCid.get(unique[i]!.cid)! }))
  }

  /** Calls `listener` after each batch this ledger anchors; returns the unsubscribe. */
  onAnchor(listener: () => void): () => void {
    return this.#anchorListeners.add(listener)
  }

  async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.#open()
    checkRead(suffix, options)
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    const out: AnchoredOperation[] = []
    for (const op of this.#byDid.get(suffix) ?? []) {
      if (out.length >= limit) break
      if (inReadRange(op, options)) out.push({ bytes: op.bytes.slice(), height: op.height, position: op.position, time: op.time })
    }
    return out
  }

  async head(): Promise<LedgerHead> {
    this.#open()
    const last = this.#batches.at(-1)
    return { height: last?.height ?? 0, time: last?.time ?? 0, finalizedHeight: last?.height ?? 0 }
  }

  async batch(height: number): Promise<BatchInfo | undefined> {
    this.#open()
    checkHeight(height)
    const b = height >= 1 ? this.#batches[height - 1] : undefined
    return b && { ...b, operations: [...b.operations] }
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  #open(): void {
    if (this.#closed) throw new LedgerClosedError()
  }
}
