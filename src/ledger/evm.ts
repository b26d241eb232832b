import { base32 } from 'multiformats/bases/base32'
import {
  createClient,
  custom,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  http,
  isAddress,
  toEventSelector,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
} from 'viem'
import { privateKeyToAccount, type LocalAccount } from 'viem/accounts'
import { GridError, LedgerClosedError, LedgerCorruptError, LedgerForbiddenError, LedgerUnavailableError } from '../errors.js'
import { toHex } from '../lib/bytes.js'
import { messageOf } from '../lib/message.js'
import { LIMITS } from '../method/limits.js'
import { decodeOperation, type EncodedOperation } from '../method/operation.js'
import type { AnchoredOperation } from '../method/state.js'
import { admitBatch, checkHeight, checkRead, inReadRange } from './admit.js'
import { merkleRoot } from './merkle.js'
import { REGISTRY_ARTIFACT } from './registry-artifact.js'
import type { BatchInfo, Ledger, LedgerHead, ReadOptions, Receipt, Submittable } from './types.js'

export { REGISTRY_ARTIFACT }

/** An EIP-1193 provider: anything with `request({ method, params })` (a wallet, an in-process chain). */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>
}

/** Options of {@link EvmLedger}. */
export interface EvmLedgerOptions {
  /** JSON-RPC endpoint URL (`http:` or `https:`) or an EIP-1193 provider. */
  rpc: string | Eip1193Provider
  /** Address of the deployed did:grid registry contract. */
  registry: string
  /**
   * The writer account: a 0x-prefixed secp256k1 private key or a viem local account. Transactions
   * are signed here and sent with `eth_sendRawTransaction`. Without it the ledger is read-only.
   */
  account?: Hex | LocalAccount
  /** Blocks on top of a block before it counts as final (default 0: BFT chains finalize in one block). */
  confirmations?: number
  /** Widest block range of one `eth_getLogs` (default 5,000, Besu's `--rpc-max-logs-range` default). */
  maxLogsRange?: number
  /** Most operations per transaction (default 250). */
  maxOperations?: number
  /** Most calldata bytes per transaction (default 120,000). */
  maxBytes?: number
  /** How often to poll for a transaction receipt (default 250 ms for a URL, 0 for a provider). */
  pollIntervalMs?: number
  /** How long to wait for a transaction to be mined and confirmed (default 60 s). */
  timeoutMs?: number
}

/** A compiled registry, as `npm run registry:compile -- --out FILE` writes it. */
export interface RegistryArtifact {
  abi: Abi | readonly unknown[]
  bytecode: string
  evmVersion?: string
  compiler?: string
}

/** One `Anchored` event after the reader's checks. */
export interface ChainOperation extends AnchoredOperation {
  /** The decoded operation (signatures checked stand-alone). */
  op: EncodedOperation
  /** Block of the same key's previous change (0 for none). */
  previousChange: number
}

/** What {@link EvmLedger.scan} found in a block range. */
export interface ScanResult {
  /** Valid operations in ledger order (block, position). */
  operations: ChainOperation[]
  /** Events dropped because their operation failed the stand-alone checks or sat under a wrong key. */
  skipped: number
}

/** The valid operations of one block, with the block's time and their Merkle root. */
interface BlockOperations {
  time: number
  root: string
  operations: ChainOperation[]
}

/** One page of events: the valid ones, and where the earliest event of any kind points back to. */
interface LogPage extends ScanResult {
  earliest?: LogEvent
}

/** Where an `Anchored` event sits, and where its key's previous change is. */
interface LogEvent {
  height: number
  position: number
  time: number
  previousChange: number
}

const ABI = REGISTRY_ARTIFACT.abi
const REGISTRY_VERSION = 1n
const SUFFIX = /^[a-z2-7]{51}[aq]$/
const DEFAULT_RANGE = 5000

/**
 * The consortium chain ledger: did:grid operations anchored by the registry contract
 * (`contracts/GridDidRegistry.sol`) on an EVM chain such as Hyperledger Besu (QBFT / IBFT 2.0),
 * GoQuorum or FISCO BCOS with its web3 RPC.
 *
 * - **Writing:** batches are split into transactions of at most `maxOperations` operations and
 *   `maxBytes` of calldata, signed locally (legacy EIP-155, gas price 0, explicit nonce and gas)
 *   and sent one after another. Re-submitting is harmless: the contract anchors a digest once.
 * - **Reading:** one DID's operations come from `eth_getLogs` filtered by its index key, walking the
 *   per-key change chain the contract keeps, so a read never scans more than `maxLogsRange` blocks
 *   per stretch of history. Every event is re-checked (signature, digest, key): a writer can
 *   censor, never forge. Heights are block numbers; a batch is every operation of one block.
 *
 * For a resolver that serves many reads, sync a {@link ChainIndex} (`grid-did/ledger/sqlite`).
 *
 * @example
 * ```ts
 * import { EvmLedger } from 'grid-did/ledger/evm'
 * const ledger = new EvmLedger({ rpc: 'http://127.0.0.1:8545', registry: '0x…', account: writerKey })
 * const [receipt] = await ledger.submit([op])
 * ```
 * @see ../../spec/did-grid.md#evm-registry
 */
export class EvmLedger implements Ledger {
  /** The registry's address (checksummed). */
  readonly registry: Address
  readonly #client: ReturnType<typeof createClient>
  readonly #account: LocalAccount | undefined
  readonly #confirmations: number
  readonly #range: number
  readonly #maxOperations: number
  readonly #maxBytes: number
  readonly #poll: number
  readonly #timeout: number
  #ready: Promise<{ chainId: number; deployedAt: number }> | undefined
  #nonce: number | undefined
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false
  /** Final blocks' batches, and lookups in flight (all receipts of one batch share one). */
  readonly #blocks = new Map<number, Promise<BlockOperations>>()

  constructor(options: EvmLedgerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
    const { rpc, registry } = options
    if (typeof registry !== 'string' || !isAddress(registry, { strict: false })) {
      throw new TypeError('registry must be a 0x-prefixed 20-byte address')
    }
    this.registry = getAddress(registry)
    this.#client = createClient({ transport: transportOf(rpc, options.timeoutMs) })
    this.#account = accountOf(options.account)
    this.#confirmations = count('confirmations', options.confirmations ?? 0, 0)
    this.#range = count('maxLogsRange', options.maxLogsRange ?? DEFAULT_RANGE, 1)
    this.#maxOperations = count('maxOperations', options.maxOperations ?? 250, 1)
    this.#maxBytes = count('maxBytes', options.maxBytes ?? 120_000, LIMITS.resourceBytes + 4096)
    this.#poll = count('pollIntervalMs', options.pollIntervalMs ?? (typeof rpc === 'string' ? 250 : 0), 0)
    this.#timeout = count('timeoutMs', options.timeoutMs ?? 60_000, 1)
  }

  /** The writer account's address, when the ledger has one. */
  get address(): Address | undefined {
    return this.#account?.address
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    this.#open()
    const { unique, indexOf } = admitBatch(operations)
    // The operations were just checked: reading them back from the chain need not check them again.
    const known = new Map(unique.map((op) => [hexOf(op.digest), op]))
    const receipts = await this.#serial(async () => {
      const where = await this.#anchoredAt(unique)
      const fresh = unique.filter((_, i) => where[i]!.height === 0)
      if (fresh.length > 0) {
        if (!this.#account) throw new LedgerForbiddenError('no writer account: pass { account } (CLI: --writer-key FILE or $GRID_DID_WRITER_KEY) to anchor operations')
        await this.#checkWriter()
        const blocks = new Set<number>()
        for (const chunk of this.#chunks(fresh)) {
          const data = encodeFunctionData({
            abi: ABI,
            functionName: 'anchor',
            args: [chunk.map((op) => keyOf(op.suffix)), chunk.map((op) => hexOf(op.bytes))],
          })
          blocks.add(await this.#transact(data, gasFor(chunk)))
        }
        // Where each operation landed, from the events of the blocks the transactions went into.
        const landed = new Map<string, { height: number; position: number }>()
        for (const height of blocks) {
          for (const o of (await this.#block(height, known)).operations) landed.set(hexOf(o.op.digest), { height, position: o.position })
        }
        unique.forEach((op, i) => {
          if (where[i]!.height === 0) where[i] = landed.get(hexOf(op.digest)) ?? where[i]!
        })
        // Anchored meanwhile by someone else (the contract skipped them): ask where.
        const elsewhere = unique.flatMap((_, i) => (where[i]!.height === 0 ? [i] : []))
        if (elsewhere.length > 0) {
          const found = await this.#anchoredAt(elsewhere.map((i) => unique[i]!))
          elsewhere.forEach((i, j) => (where[i] = found[j]!))
        }
      }
      return Promise.all(
        unique.map(async (op, i) => {
          const { height, position } = where[i]!
          if (height === 0) throw new LedgerUnavailableError(`operation ${op.cid} was sent but the registry does not hold it`)
          const block = await this.#block(height, known)
          return { cid: op.cid, did: op.did, height, position, time: block.time, batchRoot: block.root }
        }),
      )
    })
    return indexOf.map((i) => ({ ...receipts[i]! }))
  }

  async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.#open()
    checkRead(suffix, options)
    if (!SUFFIX.test(suffix)) return []
    const { deployedAt } = await this.#init()
    // With confirmations, blocks above the finalized height may still change: leave them out.
    const untilHeight = options.untilHeight ?? Number.MAX_SAFE_INTEGER
    const until = this.#confirmations === 0 ? untilHeight : Math.min(untilHeight, (await this.head()).finalizedHeight)
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    const key = keyOf(suffix)
    const [, , last] = (await this.#view('changes', [key])) as readonly [bigint, bigint, bigint]
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
        const { operations } = await this.#logs(windows[i]!.lo, windows[i]!.hi, key, undefined, (event) => inReadRange(event, range))
        for (const o of operations) {
          if (o.op.suffix === suffix && out.length < limit) out.push({ bytes: o.bytes, height: o.height, position: o.position, time: o.time })
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
      const { earliest, operations } = await this.#logs(lo, hi, key, undefined, (event) => {
        if (!inReadRange(event, range)) return false
        events++
        return found !== undefined
      })
      found?.push(...operations)
      if (!earliest) {
        throw new LedgerUnavailableError(`the registry records a change of ${suffix} at block ${hi}, but the node returned no events for it`)
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

  async head(): Promise<LedgerHead> {
    this.#open()
    const block = (await this.#rpc('eth_getBlockByNumber', ['latest', false])) as { number: Hex; timestamp: Hex } | null
    if (!block) throw new LedgerUnavailableError('the node returned no latest block')
    const height = Number(block.number)
    return { height, time: Number(block.timestamp), finalizedHeight: Math.max(0, height - this.#confirmations) }
  }

  async batch(height: number): Promise<BatchInfo | undefined> {
    this.#open()
    checkHeight(height)
    const { deployedAt } = await this.#init()
    if (height < Math.max(1, deployedAt) || height > (await this.head()).finalizedHeight) return undefined
    const block = await this.#block(height)
    return block.operations.length === 0 ? undefined : { height, time: block.time, root: block.root, operations: block.operations.map((o) => o.op.cid) }
  }

  /**
   * Every valid operation anchored in blocks `from..to` (inclusive), in ledger order, read in
   * `eth_getLogs` windows of at most `maxLogsRange` blocks. What a {@link ChainIndex} syncs from.
   */
  async scan(from: number, to: number): Promise<ScanResult> {
    this.#open()
    checkHeight(from)
    checkHeight(to)
    const result: ScanResult = { operations: [], skipped: 0 }
    for (let lo = from; lo <= to; lo += this.#range) {
      const part = await this.#logs(lo, Math.min(to, lo + this.#range - 1))
      result.operations.push(...part.operations)
      result.skipped += part.skipped
    }
    return result
  }

  /** The chain id, the registry's deployment block, and the writer's standing. */
  async info(): Promise<{ chainId: number; registry: Address; deployedAt: number; admin: Address; writer?: { address: Address; allowed: boolean } }> {
    this.#open()
    const { chainId, deployedAt } = await this.#init()
    const admin = (await this.#view('admin', [])) as Address
    const writer = this.#account && { address: this.#account.address, allowed: await this.isWriter(this.#account.address) }
    return { chainId, registry: this.registry, deployedAt, admin, ...(writer ? { writer } : {}) }
  }

  /** Whether `address` may anchor operations. */
  async isWriter(address: string): Promise<boolean> {
    this.#open()
    return (await this.#view('isWriter', [addressOf(address)])) as boolean
  }

  /** Allows `address` to anchor (the ledger's account must be the registry admin). */
  async addWriter(address: string): Promise<void> {
    await this.#admin('addWriter', addressOf(address))
  }

  /** Stops `address` from anchoring (the ledger's account must be the registry admin). */
  async removeWriter(address: string): Promise<void> {
    await this.#admin('removeWriter', addressOf(address))
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  async #admin(functionName: 'addWriter' | 'removeWriter', address: Address): Promise<void> {
    this.#open()
    if (!this.#account) throw new LedgerForbiddenError(`no writer account: pass { account } to ${functionName}`)
    await this.#serial(() => this.#transact(encodeFunctionData({ abi: ABI, functionName, args: [address] })))
  }

  /** Runs `task` after every earlier write: one nonce sequence, serial sends. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task)
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Splits operations into transactions by count and calldata bytes. */
  #chunks(operations: EncodedOperation[]): EncodedOperation[][] {
    const chunks: EncodedOperation[][] = []
    let chunk: EncodedOperation[] = []
    let bytes = 4 + 4 * 32
    for (const op of operations) {
      // ABI size of one entry: its key, its offset, its length word and its padded bytes.
      const size = 3 * 32 + Math.ceil(op.bytes.length / 32) * 32
      if (chunk.length > 0 && (chunk.length === this.#maxOperations || bytes + size > this.#maxBytes)) {
        chunks.push(chunk)
        chunk = []
        bytes = 4 + 4 * 32
      }
      chunk.push(op)
      bytes += size
    }
    chunks.push(chunk)
    return chunks
  }

  /** Asks whether the account may anchor (one view call), so a refused writer sends nothing. */
  async #checkWriter(): Promise<void> {
    const address = this.#account!.address
    if (!(await this.isWriter(address))) throw new LedgerForbiddenError(`account ${address} is not an allow-listed writer of registry ${this.registry}`)
  }

  /**
   * Signs and sends one transaction to the registry, waits until it is final, and returns its block.
   * `gas` is the limit to use; without it (or when it proves too low) the node estimates it.
   */
  async #transact(data: Hex, gas?: bigint): Promise<number> {
    const account = this.#account!
    const { chainId } = await this.#init()
    const request = { from: account.address, to: this.registry, data, gasPrice: '0x0' }
    let estimated = gas === undefined
    gas ??= await this.#estimate(request)
    for (let attempt = 1; ; attempt++) {
      this.#nonce ??= Number(await this.#rpc('eth_getTransactionCount', [account.address, 'pending']))
      const nonce = this.#nonce
      const raw = await account.signTransaction({ type: 'legacy', chainId, nonce, gas, gasPrice: 0n, to: this.registry, data, value: 0n })
      let hash: Hex
      try {
        hash = (await this.#client.request({ method: 'eth_sendRawTransaction', params: [raw] } as never)) as Hex
        this.#nonce = nonce + 1
      } catch (cause) {
        this.#nonce = undefined
        // Another process used this account's nonce: read it again and re-sign. The contract skips
        // operations that meanwhile got anchored, so re-sending is harmless.
        if (attempt < 3 && /nonce|known transaction|already known|replacement/i.test(messageOf(cause))) continue
        throw this.#reverted(cause) ?? unavailable('eth_sendRawTransaction', cause)
      }
      const receipt = await this.#receipt(hash)
      if (receipt.status === '0x1') return Number(receipt.blockNumber)
      if (!estimated && BigInt(receipt.gasUsed) >= gas) {
        // Out of gas on the computed limit (another contract build?): let the node estimate, once.
        gas = await this.#estimate(request)
        estimated = true
        continue
      }
      // Replay the call to learn why (e.g. the writer was removed since it was last asked).
      let reason: GridError | undefined
      try {
        await this.#client.request({ method: 'eth_call', params: [request, receipt.blockNumber] } as never)
      } catch (cause) {
        reason = this.#reverted(cause)
      }
      throw reason ?? new LedgerUnavailableError(`transaction ${hash} reverted in block ${Number(receipt.blockNumber)} (gas ${gas})`)
    }
  }

  /** The node's gas estimate with headroom: another writer's transaction in the same block can change costs. */
  async #estimate(request: object): Promise<bigint> {
    try {
      const gas = BigInt((await this.#client.request({ method: 'eth_estimateGas', params: [request] } as never)) as Hex)
      return (gas * 5n) / 4n + 20_000n
    } catch (cause) {
      throw this.#reverted(cause) ?? unavailable('eth_estimateGas', cause)
    }
  }

  async #receipt(hash: Hex): Promise<{ status: Hex; blockNumber: Hex; gasUsed: Hex }> {
    const receipt = await finalReceipt<{ status: Hex; blockNumber: Hex; gasUsed: Hex }>((m, p) => this.#rpc(m, p), hash, this.#confirmations, this.#timeout, this.#poll)
    if (receipt) return receipt
    this.#nonce = undefined
    throw new LedgerUnavailableError(`transaction ${hash} not final after ${this.#timeout} ms; submitting the same operations again is safe`)
  }

  /** A revert of the registry decoded into the error it means, when it is one. */
  #reverted(cause: unknown): GridError | undefined {
    const data = revertData(cause)
    if (!data) return undefined
    try {
      const { errorName, args } = decodeErrorResult({ abi: ABI, data })
      if (errorName === 'NotWriter' || errorName === 'NotAdmin') {
        const role = errorName === 'NotWriter' ? 'an allow-listed writer' : 'the admin'
        return new LedgerForbiddenError(`account ${String(args[0])} is not ${role} of registry ${this.registry}`, { cause })
      }
      return new LedgerUnavailableError(`registry ${this.registry} refused the transaction: ${errorName}(${args.map(String).join(', ')})`, { cause })
    } catch {
      return undefined
    }
  }

  async #anchoredAt(operations: readonly EncodedOperation[]): Promise<{ height: number; position: number }[]> {
    const out: { height: number; position: number }[] = []
    for (let i = 0; i < operations.length; i += 1000) {
      const part = operations.slice(i, i + 1000)
      const args = [part.map((op) => keyOf(op.suffix)), part.map((op) => hexOf(op.digest))]
      const [blocks, positions] = (await this.#view('anchoredAt', args)) as readonly [readonly bigint[], readonly number[]]
      blocks.forEach((b, j) => out.push({ height: Number(b), position: positions[j]! }))
    }
    return out
  }

  /**
   * Every valid operation of one block, its time and Merkle root (cached: a final block never
   * changes; all receipts of one batch share one lookup). `known` operations are not checked again.
   */
  #block(height: number, known?: ReadonlyMap<string, EncodedOperation>): Promise<BlockOperations> {
    let block = this.#blocks.get(height)
    if (block) return block
    block = (async () => {
      const { operations } = await this.#logs(height, height, undefined, known)
      return {
        time: operations[0]?.time ?? (await this.blockTime(height)),
        root: operations.length === 0 ? '' : toHex(merkleRoot(operations.map((o) => o.op.digest))),
        operations,
      }
    })()
    if (this.#blocks.size >= 1024) this.#blocks.delete(this.#blocks.keys().next().value!)
    this.#blocks.set(height, block)
    // Keep only what can no longer change: a failed lookup, or a block not yet final, is read again.
    const forget = () => this.#blocks.get(height) === block && this.#blocks.delete(height)
    block.then(async () => {
      if (this.#confirmations > 0 && height > (await this.head()).finalizedHeight) forget()
    }, forget).catch(forget)
    return block
  }

  /** The timestamp (Unix seconds) of block `height`. */
  async blockTime(height: number): Promise<number> {
    this.#open()
    checkHeight(height)
    const block = (await this.#rpc('eth_getBlockByNumber', [`0x${height.toString(16)}`, false])) as { timestamp: Hex } | null
    if (!block) throw new LedgerUnavailableError(`the node returned no block ${height}`)
    return Number(block.timestamp)
  }

  /**
   * `eth_getLogs` of the registry's `Anchored` events in `from..to` (optionally of one key), checked
   * and ordered. With `want`, only the events it accepts have their operation decoded and checked.
   */
  async #logs(from: number, to: number, key?: Hex, known?: ReadonlyMap<string, EncodedOperation>, want?: (event: LogEvent) => boolean): Promise<LogPage> {
    const filter = {
      address: this.registry,
      fromBlock: `0x${from.toString(16)}`,
      toBlock: `0x${to.toString(16)}`,
      topics: key ? [ANCHORED, key] : [ANCHORED],
    }
    let logs: { topics: [Hex, ...Hex[]]; data: Hex; blockNumber: Hex; removed?: boolean }[]
    try {
      logs = (await this.#client.request({ method: 'eth_getLogs', params: [filter] } as never)) as typeof logs
    } catch (cause) {
      // Nodes cap ranges and result sizes differently: halve the window and try again.
      if (to > from && /range|limit|too many|exceed|max/i.test(messageOf(cause))) {
        const mid = from + Math.floor((to - from) / 2)
        const [a, b] = [await this.#logs(from, mid, key, known, want), await this.#logs(mid + 1, to, key, known, want)]
        const earliest = a.earliest ?? b.earliest
        return { operations: [...a.operations, ...b.operations], skipped: a.skipped + b.skipped, ...(earliest ? { earliest } : {}) }
      }
      throw unavailable('eth_getLogs', cause)
    }
    const result: LogPage = { operations: [], skipped: 0 }
    for (const log of logs) {
      if (log.removed) continue
      const { event, operation } = checkLog(log, known, want)
      if (event && (!result.earliest || ledgerOrder(event, result.earliest) < 0)) result.earliest = event
      if (operation) result.operations.push(operation)
      else result.skipped++
    }
    result.operations.sort(ledgerOrder)
    return result
  }

  async #view(functionName: 'changes' | 'anchoredAt' | 'admin' | 'isWriter' | 'VERSION' | 'deployedAt', args: readonly unknown[]): Promise<unknown> {
    const data = encodeFunctionData({ abi: ABI, functionName, args } as never)
    const result = (await this.#rpc('eth_call', [{ to: this.registry, data }, 'latest'])) as Hex
    if (result === '0x') throw new LedgerUnavailableError(`no did:grid registry at ${this.registry}`)
    return decodeFunctionResult({ abi: ABI, functionName, data: result } as never)
  }

  /** Chain id and deployment block, read once; also proves a registry lives at the address. */
  #init(): Promise<{ chainId: number; deployedAt: number }> {
    this.#ready ??= (async () => {
      const chainId = Number(await this.#rpc('eth_chainId', []))
      const code = (await this.#rpc('eth_getCode', [this.registry, 'latest'])) as Hex
      if (code === '0x' || code === '0x0') throw new LedgerUnavailableError(`no contract at ${this.registry} on chain ${chainId}`)
      let version: bigint
      try {
        version = (await this.#view('VERSION', [])) as bigint
      } catch (cause) {
        throw cause instanceof GridError ? cause : new LedgerUnavailableError(`${this.registry} is not a did:grid registry`, { cause })
      }
      if (version !== REGISTRY_VERSION) throw new LedgerUnavailableError(`registry ${this.registry} has version ${version}, this library reads version ${REGISTRY_VERSION}`)
      const deployedAt = Number((await this.#view('deployedAt', [])) as bigint)
      return { chainId, deployedAt }
    })()
    this.#ready.catch(() => (this.#ready = undefined))
    return this.#ready
  }

  async #rpc(method: string, params: readonly unknown[]): Promise<unknown> {
    this.#open()
    try {
      return await this.#client.request({ method, params } as never)
    } catch (cause) {
      throw unavailable(method, cause)
    }
  }

  #open(): void {
    if (this.#closed) throw new LedgerClosedError()
  }
}

/** Options of {@link deployRegistry}. */
export interface DeployRegistryOptions {
  /** JSON-RPC endpoint URL or an EIP-1193 provider. */
  rpc: string | Eip1193Provider
  /** The deployer, who becomes the registry admin: a private key or a viem local account. */
  account: Hex | LocalAccount
  /** Accounts allowed to anchor from the start (default: the deployer). */
  writers?: readonly string[]
  /** Another compiled artifact, e.g. for another `evmVersion` (default: the bundled paris build). */
  artifact?: RegistryArtifact
  /** As in {@link EvmLedgerOptions}. */
  confirmations?: number
  timeoutMs?: number
}

/**
 * Deploys the did:grid registry contract. The deployer becomes its admin.
 *
 * @example
 * ```ts
 * const { address } = await deployRegistry({ rpc: 'http://127.0.0.1:8545', account: adminKey })
 * ```
 * @see ../../spec/did-grid.md#evm-registry
 */
export async function deployRegistry(options: DeployRegistryOptions): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
  const account = accountOf(options.account)
  if (!account) throw new TypeError('account is required to deploy the registry')
  const writers = (options.writers ?? [account.address]).map(addressOf)
  return deployArtifact('registry', { ...options, artifact: options.artifact ?? REGISTRY_ARTIFACT }, [writers])
}

/**
 * Deploys a compiled contract with constructor `args` from `options.account` (legacy transaction,
 * gas price 0, the node's estimate + 25%), and waits for its receipt to be final.
 * @internal shared by the registry's and the role gate's deployment.
 */
export async function deployArtifact(
  what: string,
  options: { rpc: string | Eip1193Provider; account: Hex | LocalAccount; artifact: RegistryArtifact; confirmations?: number; timeoutMs?: number },
  args: readonly unknown[],
): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
  const account = accountOf(options.account)
  if (!account) throw new TypeError(`account is required to deploy the ${what}`)
  const artifact = options.artifact
  if (typeof artifact?.bytecode !== 'string' || !/^0x(?:[0-9a-f]{2})+$/i.test(artifact.bytecode) || !Array.isArray(artifact.abi)) {
    throw new TypeError('artifact must have an abi array and 0x-hex bytecode')
  }
  const client = createClient({ transport: transportOf(options.rpc, options.timeoutMs) })
  const call = async (method: string, params: readonly unknown[]) => {
    try {
      return await client.request({ method, params } as never)
    } catch (cause) {
      throw unavailable(method, cause)
    }
  }
  const data = encodeDeployData({ abi: artifact.abi as Abi, bytecode: artifact.bytecode as Hex, args })
  const chainId = Number(await call('eth_chainId', []))
  const gas = BigInt((await call('eth_estimateGas', [{ from: account.address, data, gasPrice: '0x0' }])) as Hex)
  const nonce = Number(await call('eth_getTransactionCount', [account.address, 'pending']))
  const raw = await account.signTransaction({ type: 'legacy', chainId, nonce, gas: (gas * 5n) / 4n, gasPrice: 0n, data, value: 0n })
  const hash = (await call('eth_sendRawTransaction', [raw])) as Hex
  const poll = typeof options.rpc === 'string' ? 250 : 0
  const receipt = await finalReceipt<{ status: Hex; blockNumber: Hex; contractAddress: Hex | null }>(call, hash, options.confirmations ?? 0, options.timeoutMs ?? 60_000, poll)
  if (!receipt) throw new LedgerUnavailableError(`${what} deployment ${hash} not final in time`)
  if (receipt.status !== '0x1' || !receipt.contractAddress) throw new LedgerUnavailableError(`${what} deployment ${hash} failed`)
  return { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber), transactionHash: hash }
}

/**
 * Polls for the receipt of `hash` until its block has `confirmations` blocks on top of it; undefined
 * when that has not happened within `timeoutMs`.
 */
async function finalReceipt<R extends { blockNumber: Hex }>(
  call: (method: string, params: readonly unknown[]) => Promise<unknown>,
  hash: Hex,
  confirmations: number,
  timeoutMs: number,
  pollMs: number,
): Promise<R | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const receipt = (await call('eth_getTransactionReceipt', [hash])) as R | null
    if (receipt && Number(await call('eth_blockNumber', [])) - Number(receipt.blockNumber) >= confirmations) return receipt
    if (Date.now() > deadline) return undefined
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

/** topic0 of the registry's `Anchored` event. */
const ANCHORED = toEventSelector(ABI.find((e) => e.type === 'event' && e.name === 'Anchored') as AbiEvent)

/**
 * Decodes one `Anchored` log (`event`: where it sits in the key's change chain) and checks its
 * operation: its own signatures, its digest and its key (`operation` only when all hold).
 */
function checkLog(
  log: { topics: [Hex, ...Hex[]]; data: Hex; blockNumber: Hex },
  known?: ReadonlyMap<string, EncodedOperation>,
  want?: (event: LogEvent) => boolean,
): {
  event?: LogEvent
  operation?: ChainOperation
} {
  let args: { key: Hex; digest: Hex; previousChange: bigint; position: number; time: bigint; operation: Hex }
  try {
    args = decodeEventLog({ abi: ABI, eventName: 'Anchored', topics: log.topics, data: log.data }).args as typeof args
  } catch {
    return {}
  }
  const event: LogEvent = { height: Number(log.blockNumber), position: args.position, time: Number(args.time), previousChange: Number(args.previousChange) }
  if (want && !want(event)) return { event }
  let op = known?.get(args.digest)
  const bytes = op && hexOf(op.bytes) === args.operation ? op.bytes : bytesOf(args.operation)
  if (!op || bytes !== op.bytes) {
    try {
      op = decodeOperation(bytes)
    } catch {
      return { event }
    }
  }
  if (hexOf(op.digest) !== args.digest || keyOf(op.suffix) !== args.key) return { event }
  return { event, operation: { bytes, height: event.height, position: event.position, time: Number(args.time), op, previousChange: event.previousChange } }
}

/**
 * An upper bound of the gas an `anchor` call of the bundled registry uses for `operations`, so a
 * batch needs no `eth_estimateGas` (a second execution on the node). Per operation: two new storage
 * slots (22,100 each), the event (375 per topic, 8 per data byte), SHA-256 and keccak, calldata (at
 * most 16 per byte, or Prague's 40 per byte floor), and memory, which grows with the whole batch
 * (3 per word plus words² / 512). Checked against real gas use in test/ledger/evm.test.ts.
 */
function gasFor(operations: readonly EncodedOperation[]): bigint {
  let gas = 21_000 + 60_000
  let words = 0
  for (const op of operations) {
    const padded = Math.ceil(op.bytes.length / 32) * 32
    gas += 52_000 + 40 * (96 + padded) + 8 * (160 + padded) + 12 * (padded / 32)
    words += (3 * padded) / 32 + 16
  }
  gas += 3 * words + Math.ceil((words * words) / 512)
  return BigInt(gas)
}

function ledgerOrder(a: { height: number; position: number }, b: { height: number; position: number }): number {
  return a.height - b.height || a.position - b.position
}

/** The registry key of an index suffix: the 32 bytes behind its base32. */
function keyOf(suffix: string): Hex {
  return hexOf(base32.baseDecode(suffix))
}

function hexOf(bytes: Uint8Array): Hex {
  return `0x${toHex(bytes)}`
}

function bytesOf(hex: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'))
}

function addressOf(address: string): Address {
  if (typeof address !== 'string' || !isAddress(address, { strict: false })) throw new TypeError(`not an address: ${String(address)}`)
  return getAddress(address)
}

function count(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}

function transportOf(rpc: string | Eip1193Provider, timeoutMs = 60_000) {
  if (typeof rpc === 'string') {
    let url: URL
    try {
      url = new URL(rpc)
    } catch {
      throw new TypeError(`rpc must be an http(s) URL or an EIP-1193 provider, got ${JSON.stringify(rpc)}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`rpc must be an http(s) URL, got ${url.protocol}`)
    return http(rpc, { timeout: Math.min(timeoutMs, 30_000), retryCount: 2 })
  }
  if (typeof rpc?.request !== 'function') throw new TypeError('rpc must be an http(s) URL or an EIP-1193 provider')
  return custom(rpc, { retryCount: 0 })
}

function accountOf(account: Hex | LocalAccount | undefined): LocalAccount | undefined {
  if (account === undefined) return undefined
  if (typeof account === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(account)) throw new TypeError('account must be a 0x-prefixed 32-byte private key or a viem local account')
    return privateKeyToAccount(account)
  }
  if (typeof account?.signTransaction !== 'function' || typeof account.address !== 'string') {
    throw new TypeError('account must be a 0x-prefixed 32-byte private key or a viem local account')
  }
  return account
}

/** The revert data inside an RPC error, wherever the transport put it. */
function revertData(err: unknown): Hex | undefined {
  for (let e = err as { data?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    const data = typeof e.data === 'object' && e.data !== null ? (e.data as { data?: unknown }).data : e.data
    if (typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)) return data as Hex
  }
  return undefined
}

function unavailable(method: string, cause: unknown): GridError {
  if (cause instanceof GridError) return cause
  // viem's messages carry the request body; keep the first line (it never holds key material:
  // only signed transactions leave this process).
  return new LedgerUnavailableError(`${method} failed: ${messageOf(cause).split('\n')[0]}`, { cause })
}
