import { Listeners } from '../lib/listeners.js'
import { LedgerCorruptError, LedgerUnavailableError } from '../errors.js'
import { messageOf } from '../lib/message.js'
import type { EncodedOperation } from '../method/operation.js'
import type { AnchoredOperation } from '../method/state.js'
import { SqliteLedger, type SqliteLedgerOptions } from './sqlite/ledger.js'
import type { LedgerHead, Receipt, Submittable } from './types.js'

/**
 * What a {@link ChainIndex} follows: an `EvmLedger` (`grid-did/ledger/evm`), described without its
 * viem types so that `grid-did/ledger/sqlite`'s published types need no viem (an optional peer).
 */
export interface IndexedChain {
  submit(operations: readonly Submittable[]): Promise<Receipt[]>
  head(): Promise<LedgerHead>
  /** Valid operations of blocks `from`‥`to` in ledger order, and how many events were dropped. */
  scan(from: number, to: number): Promise<{ operations: (AnchoredOperation & { op: EncodedOperation })[]; skipped: number }>
  blockTime(height: number): Promise<number>
  info(): Promise<{ chainId: number; registry: string; deployedAt: number }>
}

/** Options of {@link ChainIndex}. */
export interface ChainIndexOptions extends Pick<SqliteLedgerOptions, 'create' | 'synchronous' | 'check'> {
  /** Blocks per sync step; each step commits, so a restart resumes after the last one (default 10,000). */
  stepBlocks?: number
  /** Called with every background sync failure and the wait before the next try, ms (default: ignored; `lastError` keeps it). */
  onError?: (err: unknown, retryInMs: number) => void
  /**
   * Most blocks the index may trail the chain's finalized height by and still answer: beyond it, or
   * while the last sync failed (the chain unreachable: the lag unknown), `head()` throws
   * `LedgerUnavailableError`, so a resolver answers `internalError` instead of stale state.
   * Default: no bound (reads answer from whatever the index holds).
   */
  maxLag?: number
}

/** How far an index is behind its chain ({@link ChainIndex.syncStatus}). */
export interface SyncStatus {
  /** The last block indexed. */
  indexedHeight: number
  /** The chain's finalized height, as last read (at the last sync attempt that reached the chain). */
  finalizedHeight: number
  /** `finalizedHeight - indexedHeight`. */
  lag: number
  /** When the last sync succeeded, ms since the epoch (undefined before the first one). */
  lastSync: number | undefined
  /** The last sync's failure, cleared by the next success. */
  error: unknown
  /** Whether reads answer: no `maxLag`, or the last sync succeeded and the lag is within it. */
  fresh: boolean
}

/** What one {@link ChainIndex.sync} did. */
export interface SyncResult {
  /** First block read (0 when nothing was new). */
  from: number
  /** Last block read; the index now holds everything up to it. */
  to: number
  /** Operations stored. */
  operations: number
  /** Events dropped by the checks (bad signature, wrong key). */
  skipped: number
}

/**
 * A local index of a chain's verified operations in the embedded SQLite store: what the resolver
 * endpoint reads from. {@link ChainIndex.sync} reads the registry's events from the block after the
 * last indexed one up to the chain's finalized height, checks every operation, and commits each
 * step with the new sync mark, so a restart resumes where it stopped instead of at block 0.
 *
 * Reads never touch the chain; `head()` is the synced block, so a role check at a height the index
 * has not reached throws `HeightNotReachedError` instead of answering from stale state. `submit`
 * anchors through the chain and syncs before it returns.
 *
 * @example
 * ```ts
 * import { EvmLedger } from 'grid-did/ledger/evm'
 * import { ChainIndex } from 'grid-did/ledger/sqlite'
 * const index = new ChainIndex('./.grid-did/chain-1337.db', new EvmLedger({ rpc, registry }), { create: true })
 * index.start(1000) // follow the chain every second
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#evm-registry
 */
export class ChainIndex<Chain extends IndexedChain = IndexedChain> extends SqliteLedger {
  /** The chain this index follows. Closing the index does not close it. */
  readonly chain: Chain
  /** The last background sync failure, cleared by the next success. */
  lastError: unknown
  readonly #step: number
  readonly #onError: (err: unknown, retryInMs: number) => void
  readonly #maxLag: number
  #chainHeight = 0
  #lastSync: number | undefined
  #identity: Promise<{ id: string; deployedAt: number }> | undefined
  #syncing: Promise<SyncResult> | undefined
  readonly #failed = new Listeners()
  #timer: NodeJS.Timeout | undefined

  constructor(path: string, chain: Chain, options: ChainIndexOptions = {}) {
    super(path, options)
    this.chain = chain
    const step = options.stepBlocks ?? 10_000
    if (!Number.isSafeInteger(step) || step < 1) throw new RangeError('stepBlocks must be an integer >= 1')
    this.#step = step
    this.#onError = options.onError ?? (() => {})
    const maxLag = options.maxLag ?? Number.POSITIVE_INFINITY
    if (!(maxLag === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxLag) && maxLag >= 0))) {
      throw new RangeError('maxLag must be an integer >= 0')
    }
    this.#maxLag = maxLag
  }

  /** How far the index is behind the chain, and whether reads answer (see `maxLag`). */
  syncStatus(): SyncStatus {
    const indexedHeight = this.synced
    const finalizedHeight = Math.max(this.#chainHeight, indexedHeight)
    const lag = finalizedHeight - indexedHeight
    const error = this.lastError
    return {
      indexedHeight,
      finalizedHeight,
      lag,
      lastSync: this.#lastSync,
      error,
      fresh: this.#maxLag === Number.POSITIVE_INFINITY || (error === undefined && lag <= this.#maxLag),
    }
  }

  /** The last block indexed (0 before the first sync). */
  get synced(): number {
    return Number(this.meta('synced') ?? 0)
  }

  /** Reads every new finalized block into the index. Concurrent calls share one run. */
  sync(): Promise<SyncResult> {
    this.assertOpen()
    this.#syncing ??= this.#sync()
      .then(
        (result) => {
          this.lastError = undefined
          this.#lastSync = Date.now()
          return result
        },
        (err: unknown) => {
          this.lastError = err
          // Its head now throws: a listener that keeps the head (the endpoint) must read it again.
          this.#failed.emit()
          throw err
        },
      )
      .finally(() => (this.#syncing = undefined))
    return this.#syncing
  }

  /**
   * Syncs now and then every `intervalMs` until {@link ChainIndex.close}. Failures go to `onError`
   * with the wait before the next try: doubled after each failure in a row, up to 64 intervals
   * (at most a minute), back to `intervalMs` after a success.
   */
  start(intervalMs = 1000): void {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new RangeError('intervalMs must be an integer >= 1')
    this.assertOpen()
    if (this.#timer) return
    const most = Math.max(intervalMs, Math.min(64 * intervalMs, 60_000))
    let failures = 0
    const tick = async () => {
      let wait = intervalMs
      try {
        await this.sync()
        failures = 0
      } catch (err) {
        failures++
        wait = Math.min(most, intervalMs * 2 ** Math.min(failures, 16))
        this.#onError(err, wait)
      }
      if (this.#timer) this.#timer = setTimeout(tick, wait).unref()
    }
    this.#timer = setTimeout(tick, 0).unref()
  }

  /** Calls `listener` after each batch stored and after each failed sync; returns the unsubscribe. */
  override onAnchor(listener: () => void): () => void {
    const stored = super.onAnchor(listener)
    const failed = this.#failed.add(listener)
    return () => {
      stored()
      failed()
    }
  }

  override async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    this.assertOpen()
    const receipts = await this.chain.submit(operations)
    await this.sync()
    return receipts
  }

  override async head(): Promise<LedgerHead> {
    this.assertOpen()
    const status = this.syncStatus()
    if (!status.fresh) {
      throw new LedgerUnavailableError(
        status.error !== undefined
          ? `the index cannot follow the chain (last synced block ${status.indexedHeight}): ${messageOf(status.error)}`
          : `the index is ${status.lag} blocks behind the chain's finalized height ${status.finalizedHeight} (at most ${this.#maxLag} allowed)`,
        { cause: status.error },
      )
    }
    const height = this.synced
    const time = Number(this.meta('syncedTime') ?? 0)
    return { height, time, finalizedHeight: height }
  }

  override async close(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#syncing?.catch(() => undefined)
    await super.close()
  }

  protected override get gapless(): boolean {
    return false
  }

  async #sync(): Promise<SyncResult> {
    const { id, deployedAt } = await this.#chainIdentity()
    const head = await this.chain.head()
    this.#chainHeight = Math.max(this.#chainHeight, head.finalizedHeight)
    const result: SyncResult = { from: 0, to: this.synced, operations: 0, skipped: 0 }
    let from = Math.max(this.synced + 1, deployedAt)
    if (from > head.finalizedHeight) return result
    result.from = from
    while (from <= head.finalizedHeight) {
      const to = Math.min(head.finalizedHeight, from + this.#step - 1)
      const { operations, skipped } = await this.chain.scan(from, to)
      const batches: { height: number; time: number; operations: { position: number; op: EncodedOperation }[] }[] = []
      for (const o of operations) {
        let batch = batches.at(-1)
        if (batch?.height !== o.height) batches.push((batch = { height: o.height, time: o.time, operations: [] }))
        batch.operations.push({ position: o.position, op: o.op })
      }
      const time = to === head.height ? head.time : await this.chain.blockTime(to)
      this.assertOpen()
      this.importBatches(batches, 'synced', to, { chain: id, syncedTime: String(time) })
      result.to = to
      result.operations += operations.length
      result.skipped += skipped
      from = to + 1
    }
    return result
  }

  /** The chain and registry this file indexes; a file built for another one is refused. */
  #chainIdentity(): Promise<{ id: string; deployedAt: number }> {
    this.#identity ??= (async () => {
      const info = await this.chain.info()
      const id = `evm:${info.chainId}:${info.registry}:${info.deployedAt}`
      const stored = this.meta('chain')
      if (stored !== undefined && stored !== id) {
        throw new LedgerCorruptError(`${this.path} indexes ${stored}, not ${id}: use another file for another chain or registry`)
      }
      return { id, deployedAt: info.deployedAt }
    })()
    this.#identity.catch(() => (this.#identity = undefined))
    return this.#identity
  }
}
