import type { Hex } from 'viem'
import { LedgerCorruptError, LedgerUnavailableError } from '../../errors.js'
import { toHex } from '../../lib/bytes.js'
import { sha256 } from '../../lib/crypto.js'
import { Lru } from '../../lib/lru.js'
import { messageOf } from '../../lib/message.js'
import type { EncodedOperation } from '../../method/operation.js'
import type { AnchoredOperation } from '../../method/state.js'
import { checkHeight, inReadRange } from '../admit.js'
import { merkleRoot } from '../merkle.js'
import type { BatchInfo, ReadOptions } from '../types.js'
import { ANCHORED, hexOf, keyOf, SUFFIX } from './abi.js'
import type { RegistryConnection } from './connection.js'
import { checkLog, ledgerOrder, parseLog } from './log.js'
import { unavailable } from './rpc.js'
import type { BlockOperations, ChainOperation, LogEvent, LogPage, ScanResult } from './types.js'

/**
 * The registry's log reader: one DID's operations by walking its key's change chain, one block's
 * batch, and block ranges, every event re-checked (signature, digest, key).
 */
export class RegistryReader {
  readonly #chain: RegistryConnection
  readonly #range: number
  /** Final blocks' batches, and lookups in flight (all receipts of one batch share one). */
  readonly #blocks = new Lru<number, Promise<BlockOperations>>({ maxEntries: 1024 })

  constructor(chain: RegistryConnection, maxLogsRange: number) {
    this.#chain = chain
    this.#range = maxLogsRange
  }

  async read(suffix: string, options: ReadOptions): Promise<AnchoredOperation[]> {
    if (!SUFFIX.test(suffix)) return []
    const { deployedAt } = await this.#chain.init()
    // With confirmations, blocks above the finalized height may still change: leave them out.
    const untilHeight = options.untilHeight ?? Number.MAX_SAFE_INTEGER
    const until = this.#chain.confirmations === 0 ? untilHeight : Math.min(untilHeight, (await this.#chain.head()).finalizedHeight)
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    const key = keyOf(suffix)
    const [, , last] = (await this.#chain.view('changes', [key])) as readonly [bigint, bigint, bigint]
    let range: ReadOptions = { ...options, untilHeight: until }
    if (options.limit === undefined) {
      // The whole range: one pass, each window's operations decoded and checked as the walk finds them.
      const found: ChainOperation[] = []
      await this.#windows(suffix, key, Number(last), deployedAt, range, limit, found)
      return found
        .filter((o) => o.op.suffix === suffix)
        .sort(ledgerOrder)
        .map(({ bytes, height, position, time }) => ({ bytes, height, position, time }))
    }
    const out: AnchoredOperation[] = []
    while (out.length < limit) {
      const { windows, dropped } = await this.#windows(suffix, key, Number(last), deployedAt, range, limit - out.length)
      if (windows.length === 0) break
      // Oldest window first; only operations in range are decoded and checked.
      for (let i = windows.length - 1; i >= 0 && out.length < limit; i--) {
        const { operations } = await this.logs(windows[i]!.lo, windows[i]!.hi, key, undefined, (event) => inReadRange(event, range))
        for (const o of operations) {
          if (o.op.suffix === suffix && out.length < limit)
            out.push({ bytes: o.bytes, height: o.height, position: o.position, time: o.time })
        }
      }
      // Some events of the windows kept may not have been valid operations: go on above them, if
      // the walk left any window out.
      if (!dropped) break
      range = { ...range, after: { height: windows[0]!.hi, position: Number.MAX_SAFE_INTEGER } }
    }
    return out
  }

  /**
   * The block windows that hold the first `limit` events of `suffix` in `range`, newest first, found
   * by walking the key's change chain down from its newest change (`last`) without decoding any
   * operation. A window above others that already hold `limit` events is dropped, so a page of a
   * long log costs the walk's `eth_getLogs` calls but holds at most one window's events at once.
   * With `found` (a read of the whole range), the operations in range are decoded, checked and
   * collected there during the walk instead.
   */
  async #windows(
    suffix: string,
    key: Hex,
    last: number,
    deployedAt: number,
    range: ReadOptions,
    limit: number,
    found?: ChainOperation[],
  ): Promise<{ windows: { lo: number; hi: number; events: number }[]; dropped: boolean }> {
    const floor = Math.max(range.afterHeight ?? 0, range.after ? range.after.height - 1 : 0)
    const windows: { lo: number; hi: number; events: number }[] = []
    let dropped = false
    let held = 0
    let hi = last
    while (hi > floor && hi >= deployedAt) {
      const lo = Math.max(hi - this.#range + 1, floor + 1, deployedAt)
      let events = 0
      const { earliest, operations } = await this.logs(lo, hi, key, undefined, (event) => {
        if (!inReadRange(event, range)) return false
        events++
        return found !== undefined
      })
      found?.push(...operations)
      if (!earliest) {
        throw new LedgerUnavailableError(
          `the registry records a change of ${suffix} at block ${hi}, but the node returned no events for it`,
        )
      }
      if (events > 0) {
        windows.push({ lo, hi, events })
        held += events
        while (windows.length > 1 && held - windows[0]!.events >= limit) {
          held -= windows.shift()!.events
          dropped = true
        }
      }
      // The chain of changes runs through every event of the key, valid or not: `previousChange` is
      // the contract's own bookkeeping, so junk a writer anchored cannot cut a DID's history short.
      if (earliest.previousChange >= lo) throw new LedgerCorruptError(`the change chain of ${suffix} loops at block ${earliest.height}`)
      hi = earliest.previousChange
    }
    return { windows, dropped }
  }

  async batch(height: number): Promise<BatchInfo | undefined> {
    const { deployedAt } = await this.#chain.init()
    if (height < Math.max(1, deployedAt) || height > (await this.#chain.head()).finalizedHeight) return undefined
    const block = await this.block(height)
    return block.operations.length === 0
      ? undefined
      : { height, time: block.time, root: block.root, operations: block.operations.map((o) => o.op.cid) }
  }

  /** Every valid operation anchored in blocks `from..to` (inclusive), in ledger order. */
  async scan(from: number, to: number): Promise<ScanResult> {
    const result: ScanResult = { operations: [], skipped: 0 }
    for (let lo = from; lo <= to; lo += this.#range) {
      const part = await this.logs(lo, Math.min(to, lo + this.#range - 1))
      result.operations.push(...part.operations)
      result.skipped += part.skipped
    }
    return result
  }

  /**
   * Every valid operation of one block, its time and Merkle root (cached: a final block never
   * changes; all receipts of one batch share one lookup). `known` operations are not checked again.
   */
  block(height: number, known?: ReadonlyMap<string, EncodedOperation>): Promise<BlockOperations> {
    let block = this.#blocks.get(height)
    if (block) return block
    block = (async () => {
      const { operations } = await this.logs(height, height, undefined, known)
      return {
        time: operations[0]?.time ?? (await this.blockTime(height)),
        root: operations.length === 0 ? '' : toHex(merkleRoot(operations.map((o) => o.op.digest))),
        operations,
      }
    })()
    this.#blocks.set(height, block)
    // Keep only what can no longer change: a failed lookup, or a block not yet final, is read again.
    const forget = () => this.#blocks.peek(height) === block && this.#blocks.delete(height)
    block
      .then(async () => {
        if (this.#chain.confirmations > 0 && height > (await this.#chain.head()).finalizedHeight) forget()
      }, forget)
      .catch(forget)
    return block
  }

  /** The timestamp (Unix seconds) of block `height`. */
  async blockTime(height: number): Promise<number> {
    this.#chain.open()
    checkHeight(height)
    const block = (await this.#chain.rpc('eth_getBlockByNumber', [`0x${height.toString(16)}`, false])) as { timestamp: Hex } | null
    if (!block) throw new LedgerUnavailableError(`the node returned no block ${height}`)
    return Number(block.timestamp)
  }

  /**
   * `eth_getLogs` of the registry's anchoring logs in `from..to` (optionally of one key), checked
   * and ordered. With `want`, only the events it accepts have their operation decoded and checked.
   */
  async logs(
    from: number,
    to: number,
    key?: Hex,
    known?: ReadonlyMap<string, EncodedOperation>,
    want?: (event: LogEvent) => boolean,
  ): Promise<LogPage> {
    const result: LogPage = { operations: [], skipped: 0 }
    for (const log of await this.#getLogs(from, to, key ? [key] : undefined)) {
      const { event, operation } = checkLog(log, known, want)
      if (event && (!result.earliest || ledgerOrder(event, result.earliest) < 0)) result.earliest = event
      if (operation) result.operations.push(operation)
      else result.skipped++
    }
    result.operations.sort(ledgerOrder)
    return result
  }

  /**
   * Where each of `operations` (checked, each under its own key) was first anchored, by walking the
   * change chains of their keys together, newest window first, down to each key's first change:
   * `height` 0 for an operation never anchored. `lasts` is each operation's key's last change.
   */
  async locate(operations: readonly EncodedOperation[], lasts: readonly number[]): Promise<{ height: number; position: number }[]> {
    const { deployedAt } = await this.#chain.init()
    const out = operations.map(() => ({ height: 0, position: 0 }))
    const wanted = new Map<string, number[]>()
    const next = new Map<Hex, number>()
    operations.forEach((op, i) => {
      if (lasts[i]! === 0) return
      const key = keyOf(op.suffix)
      const id = `${key}${hexOf(op.digest)}`
      wanted.set(id, [...(wanted.get(id) ?? []), i])
      next.set(key, lasts[i]!)
    })
    while (next.size > 0) {
      const hi = Math.max(...next.values())
      const lo = Math.max(hi - this.#range + 1, deployedAt)
      const keys = [...next].flatMap(([key, at]) => (at >= lo ? [key] : []))
      const earliest = new Map<Hex, LogEvent>()
      // Nodes bound the alternatives of one topic (geth: 1,000): ask for 256 keys at a time.
      const logs: RawLog[] = []
      for (let k = 0; k < keys.length; k += 256) logs.push(...(await this.#getLogs(lo, hi, keys.slice(k, k + 256))))
      for (const log of logs) {
        const event = parseLog(log)
        if (!event) continue
        const seen = earliest.get(event.key)
        if (!seen || ledgerOrder(event, seen) < 0) earliest.set(event.key, event)
        // Walking down: an older copy of the same operation replaces a newer one.
        for (const i of wanted.get(`${event.key}${hexOf(sha256(event.bytes))}`) ?? []) {
          if (out[i]!.height === 0 || ledgerOrder(event, out[i]!) < 0) out[i] = { height: event.height, position: event.position }
        }
      }
      for (const key of keys) {
        const first = earliest.get(key)
        if (!first)
          throw new LedgerUnavailableError(
            `the registry records a change of key ${key} at block ${next.get(key)}, but the node returned no events for it`,
          )
        if (first.previousChange >= lo) throw new LedgerCorruptError(`the change chain of key ${key} loops at block ${first.height}`)
        if (first.previousChange < deployedAt || first.previousChange === 0) next.delete(key)
        else next.set(key, first.previousChange)
      }
    }
    return out
  }

  /** The registry's anchoring logs in `from..to` (of `keys` only, when given), halving the window when the node refuses it. */
  async #getLogs(from: number, to: number, keys?: readonly Hex[]): Promise<RawLog[]> {
    const filter = {
      address: this.#chain.registry,
      fromBlock: `0x${from.toString(16)}`,
      toBlock: `0x${to.toString(16)}`,
      topics: keys ? [ANCHORED, keys.length === 1 ? keys[0]! : [...keys]] : [ANCHORED],
    }
    try {
      const logs = (await this.#chain.request('eth_getLogs', [filter])) as RawLog[]
      return logs.filter((log) => !log.removed)
    } catch (cause) {
      // Nodes cap ranges and result sizes differently: halve the window and try again.
      if (to > from && /range|limit|too many|exceed|max/i.test(messageOf(cause))) {
        const mid = from + Math.floor((to - from) / 2)
        return [...(await this.#getLogs(from, mid, keys)), ...(await this.#getLogs(mid + 1, to, keys))]
      }
      throw unavailable('eth_getLogs', cause)
    }
  }
}

type RawLog = { topics: [Hex, ...Hex[]]; data: Hex; blockNumber: Hex; removed?: boolean }
