import { decodeFunctionResult, encodeFunctionData, type Address, type Hex, type Transport } from '../peers/viem.js'
import { GridError, LedgerClosedError, LedgerUnavailableError } from '../../errors.js'
import type { LedgerHead } from '../types.js'
import { DYNAMIC_ABI, REGISTRY_VERSION } from './abi.js'
import { rpcClientOf, unavailable } from './rpc.js'

/** The registry's view functions the adapter calls. */
export type RegistryView = 'changes' | 'lastChanges' | 'admin' | 'isWriter' | 'VERSION' | 'deployedAt'

/**
 * One registry on one node, shared by the reader and the writer of an {@link EvmLedger}: JSON-RPC
 * calls, view calls, the chain id and deployment block (read once), the head, and the closed state.
 */
export class RegistryConnection {
  /** The registry's address (checksummed). */
  readonly registry: Address
  /** Blocks on top of a block before it counts as final. */
  readonly confirmations: number
  readonly #client: ReturnType<typeof rpcClientOf>
  #ready: Promise<{ chainId: number; deployedAt: number }> | undefined
  #closed = false

  constructor(registry: Address, transport: Transport, confirmations: number) {
    this.registry = registry
    this.#client = rpcClientOf(transport)
    this.confirmations = confirmations
  }

  /** Throws {@link LedgerClosedError} once {@link close} was called. */
  open(): void {
    if (this.#closed) throw new LedgerClosedError()
  }

  close(): void {
    this.#closed = true
  }

  /** A JSON-RPC call on the open ledger; a failure is {@link LedgerUnavailableError}. */
  async rpc(method: string, params: readonly unknown[]): Promise<unknown> {
    this.open()
    try {
      return await this.request(method, params)
    } catch (cause) {
      throw unavailable(method, cause)
    }
  }

  /** A raw JSON-RPC call: the transport's error as it is, for callers that decode it. */
  request(method: string, params: readonly unknown[]): Promise<unknown> {
    return this.#client.request({ method, params })
  }

  async view(functionName: RegistryView, args: readonly unknown[]): Promise<unknown> {
    const data = encodeFunctionData({ abi: DYNAMIC_ABI, functionName, args })
    const result = (await this.rpc('eth_call', [{ to: this.registry, data }, 'latest'])) as Hex
    if (result === '0x') throw new LedgerUnavailableError(`no did:grid registry at ${this.registry}`)
    return decodeFunctionResult({ abi: DYNAMIC_ABI, functionName, data: result })
  }

  /** Chain id and deployment block, read once; also proves a registry lives at the address. */
  init(): Promise<{ chainId: number; deployedAt: number }> {
    this.#ready ??= (async () => {
      const chainId = Number(await this.rpc('eth_chainId', []))
      const code = (await this.rpc('eth_getCode', [this.registry, 'latest'])) as Hex
      if (code === '0x' || code === '0x0') throw new LedgerUnavailableError(`no contract at ${this.registry} on chain ${chainId}`)
      let version: bigint
      try {
        version = (await this.view('VERSION', [])) as bigint
      } catch (cause) {
        throw cause instanceof GridError ? cause : new LedgerUnavailableError(`${this.registry} is not a did:grid registry`, { cause })
      }
      if (version !== REGISTRY_VERSION)
        throw new LedgerUnavailableError(`registry ${this.registry} has version ${version}, this library reads version ${REGISTRY_VERSION}`)
      const deployedAt = Number((await this.view('deployedAt', [])) as bigint)
      return { chainId, deployedAt }
    })()
    this.#ready.catch(() => (this.#ready = undefined))
    return this.#ready
  }

  async head(): Promise<LedgerHead> {
    this.open()
    const block = (await this.rpc('eth_getBlockByNumber', ['latest', false])) as { number: Hex; timestamp: Hex } | null
    if (!block) throw new LedgerUnavailableError('the node returned no latest block')
    const height = Number(block.number)
    return { height, time: Number(block.timestamp), finalizedHeight: Math.max(0, height - this.confirmations) }
  }
}
