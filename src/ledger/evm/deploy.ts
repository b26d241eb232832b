import { encodeDeployData, getAddress, type Abi, type Address, type Hex } from '../peers/viem.js'
import type { LocalAccount } from 'viem/accounts'
import { LedgerUnavailableError } from '../../errors.js'
import type { Eip1193Provider } from '../eip1193.js'
import { REGISTRY_ARTIFACT } from '../registry-artifact.js'
import { accountOf, addressOf } from './options.js'
import { finalReceipt, rpcClientOf, transportOf, unavailable } from './rpc.js'
import type { RegistryArtifact } from './types.js'

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
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#evm-registry
 */
export async function deployRegistry(
  options: DeployRegistryOptions,
): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
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
  options: {
    rpc: string | Eip1193Provider
    account: Hex | LocalAccount
    artifact: RegistryArtifact
    confirmations?: number
    timeoutMs?: number
  },
  args: readonly unknown[],
): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
  const account = accountOf(options.account)
  if (!account) throw new TypeError(`account is required to deploy the ${what}`)
  const artifact = options.artifact
  if (typeof artifact?.bytecode !== 'string' || !/^0x(?:[0-9a-f]{2})+$/i.test(artifact.bytecode) || !Array.isArray(artifact.abi)) {
    throw new TypeError('artifact must have an abi array and 0x-hex bytecode')
  }
  const client = rpcClientOf(transportOf(options.rpc, options.timeoutMs))
  const call = async (method: string, params: readonly unknown[]) => {
    try {
      return await client.request({ method, params })
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
  const receipt = await finalReceipt<{ status: Hex; blockNumber: Hex; contractAddress: Hex | null }>(
    call,
    hash,
    options.confirmations ?? 0,
    options.timeoutMs ?? 60_000,
    poll,
  )
  if (!receipt) throw new LedgerUnavailableError(`${what} deployment ${hash} not final in time`)
  if (receipt.status !== '0x1' || !receipt.contractAddress) throw new LedgerUnavailableError(`${what} deployment ${hash} failed`)
  return { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber), transactionHash: hash }
}
