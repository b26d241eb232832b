import {
  CANCUN,
  ContractDecoder,
  EdrContext,
  L1_CHAIN_TYPE,
  MERGE,
  MineOrdering,
  PRAGUE,
  type Provider,
  type ProviderConfig,
  SHANGHAI,
  l1GenesisState,
  l1HardforkFromString,
  l1ProviderFactory,
} from './peers/edr.js'
import type { Eip1193Provider } from './eip1193.js'

export type { Eip1193Provider } from './eip1193.js'

/** Options of {@link createDevChain}. */
export interface DevChainOptions {
  /** EIP-155 chain id (also `net_version`); default 1337. */
  chainId?: number
  /** EVM rules; default `'shanghai'`. Nothing newer than Prague is offered. */
  hardfork?: 'paris' | 'shanghai' | 'cancun' | 'prague'
  /**
   * Gas limit of every block; default 1,000,000,000. Blocks then never use more than half of it, so
   * the EIP-1559 base fee, starting at 0, stays 0 and zero-balance accounts can send at gas price 0.
   */
  blockGasLimit?: bigint
  /** Unix seconds of the genesis block; later blocks follow the wall clock from there. Default: now. */
  initialTimestamp?: number
}

/**
 * An in-process development chain. `request` answers exactly as a JSON-RPC node would (hex
 * quantities, `null` for unknown blocks); calls run one at a time in call order.
 *
 * @example
 * ```ts
 * const chain = await createDevChain({ chainId: 31337 })
 * try { console.log(chain.chainId, await chain.request({ method: 'eth_chainId' })) } // 31337 '0x7a69'
 * finally { await chain.close() }
 * ```
 * @see https://eips.ethereum.org/EIPS/eip-1193
 */
export interface DevChain extends Eip1193Provider {
  readonly chainId: number
  /** Lets calls already made finish, then refuses every later call (code 4900). Idempotent. */
  close(): Promise<void>
}

/** Our hardfork names (execution-layer spec names) → EDR's. Paris is the Merge. */
const HARDFORKS = { paris: MERGE, shanghai: SHANGHAI, cancun: CANCUN, prague: PRAGUE } as const

/** EIP-1193 "Disconnected": the provider is not connected to any chain. */
const DISCONNECTED = 4900

/** Geth's code for a reverted call: viem decodes `data` as revert bytes whatever the transport. */
const EXECUTION_REVERTED = 3

// EDR allows one context per process ("should only be called once"); every chain shares it.
let context: Promise<EdrContext> | undefined
function edrContext(): Promise<EdrContext> {
  context ??= (async () => {
    const created = new EdrContext()
    await created.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory())
    return created
  })()
  return context
}

/**
 * Starts an in-process Ethereum development chain on EDR, the engine of the Hardhat network, and
 * returns it as an EIP-1193 provider. One block is mined per transaction; the minimum gas price and
 * the base fee are 0, so an account with no ether sends locally signed transactions at gas price 0
 * (`eth_sendRawTransaction`); there are no unlocked accounts. Blocks may share a timestamp, and
 * `evm_setNextBlockTimestamp` / `evm_mine` move time. A transaction that reverts is mined with
 * receipt status `0x0`, as on a real node; a reverted `eth_call` or `eth_estimateGas` rejects as geth
 * does: code 3, message `execution reverted[: reason]` and the revert bytes as `data`.
 *
 * Needs the optional peer dependency `@nomicfoundation/edr` (0.13.0): `npm install
 * @nomicfoundation/edr@0.13.0` before importing `grid-did/ledger/devchain`.
 *
 * Two things to know with viem: `eth_gasPrice` answers 1 gwei (EDR adds its default tip to the base
 * fee), so give `gasPrice: 0n` explicitly; and `custom()` retries error codes it does not know, code 3
 * included, so pass `retryCount: 0` or each revert costs about a second of back-off.
 *
 * @throws TypeError or RangeError naming the option when an option is malformed.
 * @example
 * ```ts
 * import { createPublicClient, custom } from 'viem'
 * import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
 * const chain = await createDevChain({ initialTimestamp: 1_700_000_000 })
 * const client = createPublicClient({ transport: custom(chain, { retryCount: 0 }) })
 * const account = privateKeyToAccount(generatePrivateKey()) // no ether needed
 * const serializedTransaction = await account.signTransaction({ type: 'legacy', chainId: chain.chainId, nonce: 0, gas: 500_000n, gasPrice: 0n, data: initCode })
 * const hash = await client.sendRawTransaction({ serializedTransaction })
 * const { status, contractAddress } = await client.getTransactionReceipt({ hash }) // already mined
 * await chain.close()
 * ```
 * @see https://eips.ethereum.org/EIPS/eip-1193
 */
export async function createDevChain(options: DevChainOptions = {}): Promise<DevChain> {
  const chainId = options.chainId ?? 1337
  if (typeof chainId !== 'number') throw new TypeError('options.chainId must be a number')
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new RangeError(`options.chainId must be a positive safe integer, got ${chainId}`)
  const hardforkName = options.hardfork ?? 'shanghai'
  if (!Object.hasOwn(HARDFORKS, hardforkName)) {
    throw new RangeError(`options.hardfork must be one of ${Object.keys(HARDFORKS).join(', ')}, got ${String(hardforkName)}`)
  }
  const blockGasLimit = options.blockGasLimit ?? 1_000_000_000n
  if (typeof blockGasLimit !== 'bigint') throw new TypeError('options.blockGasLimit must be a bigint')
  // 21,000 is the cost of the cheapest transaction; EDR stores the limit as a u64.
  if (blockGasLimit < 21_000n || blockGasLimit >= 2n ** 64n)
    throw new RangeError(`options.blockGasLimit must be in [21000, 2^64), got ${blockGasLimit}`)
  const initialTimestamp = options.initialTimestamp
  if (initialTimestamp !== undefined) {
    if (typeof initialTimestamp !== 'number') throw new TypeError('options.initialTimestamp must be a number')
    if (!Number.isSafeInteger(initialTimestamp) || initialTimestamp < 0) {
      throw new RangeError(`options.initialTimestamp must be a non-negative integer of Unix seconds, got ${initialTimestamp}`)
    }
  }

  const hardfork = HARDFORKS[hardforkName]
  const config: ProviderConfig = {
    chainId: BigInt(chainId),
    networkId: BigInt(chainId),
    hardfork,
    // The system contracts the hardfork expects at genesis (EIP-4788 beacon roots from Cancun, EIP-2935 from Prague).
    genesisState: l1GenesisState(l1HardforkFromString(hardfork)),
    network: {
      genesisBlockGasLimit: blockGasLimit,
      ...(initialTimestamp === undefined ? {} : { genesisBlockTime: BigInt(initialTimestamp) }),
    },
    mining: { autoMine: true, blockGasLimit, memPool: { order: MineOrdering.Fifo } },
    initialBaseFeePerGas: 0n,
    minGasPrice: 0n,
    // Calls and estimates without `gas` may use a whole block, as Hardhat does below Osaka's EIP-7825 cap.
    defaultTransactionGasLimit: blockGasLimit,
    allowBlocksWithSameTimestamp: true,
    allowUnlimitedContractSize: false,
    // A failed eth_call must reject (with its revert data); a failed transaction is still mined, as on a node.
    bailOnCallFailure: true,
    bailOnTransactionFailure: false,
    coinbase: new Uint8Array(20),
    ownedAccounts: [],
    precompileOverrides: [],
    observability: {},
  }
  const logger = { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} }
  // No push channel here (EIP-1193 `message` events): subscriptions get an id but no notifications.
  const subscriptions = { subscriptionCallback: () => {} }
  let provider: Provider | undefined = await (await edrContext()).createProvider(
    L1_CHAIN_TYPE,
    config,
    logger,
    subscriptions,
    new ContractDecoder(),
  )

  let nextId = 1
  // EDR runs concurrent requests in any order, and automining rejects a nonce that arrives early.
  let tail: Promise<unknown> = Promise.resolve()
  let closing: Promise<void> | undefined

  const call = async (method: string, params: readonly unknown[] | object | undefined): Promise<unknown> => {
    if (!provider) throw rpcError(DISCONNECTED, 'the dev chain is closed')
    let body: string
    try {
      body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params: params ?? [] })
    } catch (err) {
      throw rpcError(-32602, `params of ${method} are not JSON: ${(err as Error).message}`)
    }
    let response: { result?: unknown; error?: { code: number; message: string; data?: unknown } } | null
    try {
      const { data } = await provider.handleRequest(body)
      response = typeof data === 'string' ? JSON.parse(data) : data
    } catch (err) {
      throw rpcError(-32603, `EDR failed on ${method}: ${(err as Error).message}`)
    }
    if (typeof response !== 'object' || response === null || !('result' in response || 'error' in response)) {
      throw rpcError(-32603, `EDR answered ${method} with neither result nor error`)
    }
    if (response.error) throw fromEdrError(response.error)
    return response.result
  }

  return {
    chainId,
    request(args) {
      if (typeof args !== 'object' || args === null || typeof args.method !== 'string') {
        return Promise.reject(rpcError(-32600, 'request() takes { method: string, params?: array }'))
      }
      if (closing) return Promise.reject(rpcError(DISCONNECTED, 'the dev chain is closed'))
      const result = tail.then(() => call(args.method, args.params))
      tail = result.catch(() => undefined)
      return result
    },
    close() {
      closing ??= tail.then(() => {
        // EDR has no close: dropping the last reference frees the chain.
        provider = undefined
      })
      return closing
    },
  }
}

/** The error shape EIP-1193 specifies (`ProviderRpcError`), on a plain `Error`. */
function rpcError(code: number, message: string, data?: unknown): Error & { code: number; data?: unknown } {
  const error = new Error(message) as Error & { code: number; data?: unknown }
  error.code = code
  if (data !== undefined && data !== null) error.data = data
  return error
}

/**
 * EDR reports a revert with code -32000, Hardhat's message and `{ reason: { Revert: hex }, data: hex }`;
 * geth, and so every client, expects code 3, `execution reverted[: reason]` and the revert bytes as
 * `data` (go-ethereum internal/ethapi `revertError`).
 */
function fromEdrError(error: { code: number; message: string; data?: unknown }): Error {
  const data = error.data as { reason?: unknown; data?: unknown } | null | undefined
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof data.reason === 'object' &&
    data.reason !== null &&
    'Revert' in data.reason &&
    typeof data.data === 'string'
  ) {
    const reason = errorString(data.data)
    return rpcError(EXECUTION_REVERTED, reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`, data.data)
  }
  return rpcError(error.code, error.message, error.data)
}

/** The message in Solidity's `Error(string)` revert data (selector `0x08c379a0`, then an ABI-encoded string), if `hex` is that. */
function errorString(hex: string): string | undefined {
  if (!/^0x08c379a0(?:[0-9a-f]{2})*$/i.test(hex)) return undefined
  const body = hex.slice(10)
  const word = (at: bigint) =>
    BigInt(body.length) >= (at + 32n) * 2n ? BigInt(`0x${body.slice(Number(at) * 2, Number(at + 32n) * 2)}`) : undefined
  const offset = word(0n)
  const length = offset === undefined ? undefined : word(offset)
  if (offset === undefined || length === undefined || (offset + 32n + length) * 2n > BigInt(body.length)) return undefined
  return Buffer.from(body.slice(Number(offset + 32n) * 2, Number(offset + 32n + length) * 2), 'hex').toString('utf8')
}
export { serveRpc } from './rpc-server.js'
export type { RpcServer, RpcServerOptions } from './rpc-server.js'
