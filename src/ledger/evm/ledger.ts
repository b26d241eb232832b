import { Listeners } from '../../lib/listeners.js'
import { getAddress, isAddress, type Address } from '../peers/viem.js'
import type { AnchoredOperation } from '../../method/state.js'
import { checkHeight, checkRead } from '../admit.js'
import type { BatchInfo, Ledger, LedgerHead, ReadOptions, Receipt, Submittable } from '../types.js'
import { RegistryConnection } from './connection.js'
import { MAX_TRANSACTION_GAS } from './gas.js'
import { accountOf, addressOf, count } from './options.js'
import { RegistryReader } from './read.js'
import { transportOf } from './rpc.js'
import type { EvmLedgerOptions, ScanResult } from './types.js'
import { RegistryWriter } from './write.js'

const DEFAULT_RANGE = 5000

/**
 * The consortium chain ledger: did:grid operations anchored by the registry contract
 * (`contracts/GridDidRegistry.sol`) on an EVM chain such as Hyperledger Besu (QBFT / IBFT 2.0),
 * GoQuorum or FISCO BCOS with its web3 RPC.
 *
 * - **Writing:** batches are split into transactions whose gas stays under `maxTransactionGas`
 *   (default 2^24, EIP-7825's cap), signed locally (legacy EIP-155, gas price 0, explicit nonce and
 *   gas), with up to `inFlight` transactions awaiting their receipts at once; a transaction the node
 *   drops or whose nonce another takes is sent again. Re-submitting is harmless: operations already
 *   anchored under their key are found in its change chain and not sent again.
 * - **Reading:** one DID's operations come from `eth_getLogs` filtered by its index key, walking the
 *   per-key change chain the contract keeps, so a read never scans more than `maxLogsRange` blocks
 *   per stretch of history. Every event is re-checked (signature, digest, key): a writer can
 *   censor, never forge. Heights are block numbers; a batch is every operation of one block.
 *
 * For a resolver that serves many reads, sync a `ChainIndex` (`grid-did/ledger/sqlite`).
 *
 * @example
 * ```ts
 * import { EvmLedger } from 'grid-did/ledger/evm'
 * const ledger = new EvmLedger({ rpc: 'http://127.0.0.1:8545', registry: '0x…', account: writerKey })
 * const [receipt] = await ledger.submit([op])
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#evm-registry
 */
export class EvmLedger implements Ledger {
  /** The registry's address (checksummed). */
  readonly registry: Address
  readonly #chain: RegistryConnection
  readonly #reader: RegistryReader
  readonly #writer: RegistryWriter
  readonly #address: Address | undefined
  readonly #anchorListeners = new Listeners()

  constructor(options: EvmLedgerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
    const { rpc, registry } = options
    if (typeof registry !== 'string' || !isAddress(registry, { strict: false })) {
      throw new TypeError('registry must be a 0x-prefixed 20-byte address')
    }
    this.registry = getAddress(registry)
    const transport = transportOf(rpc, options.timeoutMs)
    const account = accountOf(options.account)
    const confirmations = count('confirmations', options.confirmations ?? 0, 0)
    const range = count('maxLogsRange', options.maxLogsRange ?? DEFAULT_RANGE, 1)
    const maxOperations = count('maxOperations', options.maxOperations ?? 1000, 1)
    if (maxOperations > 1000) throw new RangeError('maxOperations must be at most 1000 (the registry refuses larger batches)')
    const maxTransactionGas = count('maxTransactionGas', options.maxTransactionGas ?? MAX_TRANSACTION_GAS, 100_000)
    const pollIntervalMs = count('pollIntervalMs', options.pollIntervalMs ?? (typeof rpc === 'string' ? 250 : 0), 0)
    const timeoutMs = count('timeoutMs', options.timeoutMs ?? 60_000, 1)
    const inFlight = count('inFlight', options.inFlight ?? 16, 1)
    this.#chain = new RegistryConnection(this.registry, transport, confirmations)
    this.#reader = new RegistryReader(this.#chain, range)
    this.#writer = new RegistryWriter(this.#chain, this.#reader, account, {
      maxOperations,
      maxTransactionGas,
      pollIntervalMs,
      timeoutMs,
      inFlight,
    })
    this.#address = account?.address
  }

  /** The writer account's address, when the ledger has one. */
  get address(): Address | undefined {
    return this.#address
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    this.#chain.open()
    try {
      return await this.#writer.submit(operations)
    } finally {
      // Even a failed submit may have anchored some of its transactions: listeners re-read the head.
      this.#anchorListeners.emit()
    }
  }

  /** Calls `listener` after each submit through this object; returns the unsubscribe. */
  onAnchor(listener: () => void): () => void {
    return this.#anchorListeners.add(listener)
  }

  async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.#chain.open()
    checkRead(suffix, options)
    return this.#reader.read(suffix, options)
  }

  async head(): Promise<LedgerHead> {
    return this.#chain.head()
  }

  async batch(height: number): Promise<BatchInfo | undefined> {
    this.#chain.open()
    checkHeight(height)
    return this.#reader.batch(height)
  }

  /**
   * Every valid operation anchored in blocks `from..to` (inclusive), in ledger order, read in
   * `eth_getLogs` windows of at most `maxLogsRange` blocks. What a `ChainIndex` syncs from.
   */
  async scan(from: number, to: number): Promise<ScanResult> {
    this.#chain.open()
    checkHeight(from)
    checkHeight(to)
    return this.#reader.scan(from, to)
  }

  /** The timestamp (Unix seconds) of block `height`. */
  async blockTime(height: number): Promise<number> {
    return this.#reader.blockTime(height)
  }

  /** The chain id, the registry's deployment block, and the writer's standing. */
  async info(): Promise<{
    chainId: number
    registry: Address
    deployedAt: number
    admin: Address
    writer?: { address: Address; allowed: boolean }
  }> {
    this.#chain.open()
    const { chainId, deployedAt } = await this.#chain.init()
    const admin = (await this.#chain.view('admin', [])) as Address
    const writer = this.#address && { address: this.#address, allowed: await this.isWriter(this.#address) }
    return { chainId, registry: this.registry, deployedAt, admin, ...(writer ? { writer } : {}) }
  }

  /** Whether `address` may anchor operations. */
  async isWriter(address: string): Promise<boolean> {
    this.#chain.open()
    return this.#writer.isWriter(addressOf(address))
  }

  /** Allows `address` to anchor (the ledger's account must be the registry admin). */
  async addWriter(address: string): Promise<void> {
    await this.#writer.admin('addWriter', addressOf(address))
  }

  /** Stops `address` from anchoring (the ledger's account must be the registry admin). */
  async removeWriter(address: string): Promise<void> {
    await this.#writer.admin('removeWriter', addressOf(address))
  }

  async close(): Promise<void> {
    this.#chain.close()
  }
}
