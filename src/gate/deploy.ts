import type { Address, Hex, LocalAccount } from 'viem'
import type { Eip1193Provider } from '../ledger/eip1193.js'
import { deployArtifact } from '../ledger/evm/deploy.js'
import type { RegistryArtifact } from '../ledger/evm/types.js'
import { GATE_ARTIFACT } from './gate-artifact.js'

/** Options of {@link deployGate}. */
export interface DeployGateOptions {
  /** JSON-RPC endpoint URL or an EIP-1193 provider. */
  rpc: string | Eip1193Provider
  /** The deployer, who becomes the gate's admin: a private key or a viem local account. */
  account: Hex | LocalAccount
  /** The attestors' EVM addresses (at least `threshold`, no duplicates). */
  attestors: readonly string[]
  /** How many distinct registered attestors must sign a decision (1 ≤ k ≤ attestors). */
  threshold: number
  /** How many blocks old a decision may be when the gate accepts it: the bound on revocation latency. */
  maxAgeBlocks: number
  /** Another compiled artifact (default: the bundled paris build of contracts/GridRoleGate.sol). */
  artifact?: RegistryArtifact
  confirmations?: number
  timeoutMs?: number
}

/**
 * Deploys the role gate (`contracts/GridRoleGate.sol`) with its attestor set, threshold and maximum
 * decision age. The deployer becomes its admin.
 *
 * @example
 * ```ts
 * const { address } = await deployGate({ rpc, account: adminKey, attestors: [a1, a2, a3, a4], threshold: 3, maxAgeBlocks: 20 })
 * ```
 * @throws {TypeError} | {RangeError} for malformed options; `LedgerUnavailableError` when the
 *   node fails or the deployment reverts.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export async function deployGate(options: DeployGateOptions): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
  const { attestors, threshold, maxAgeBlocks } = options
  if (!Array.isArray(attestors) || !attestors.every((a) => typeof a === 'string' && /^0x[0-9a-fA-F]{40}$/.test(a))) {
    throw new TypeError('attestors must be an array of 0x-prefixed 20-byte addresses')
  }
  if (new Set(attestors.map((a) => a.toLowerCase())).size !== attestors.length) throw new RangeError('attestors must not repeat an address')
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > attestors.length) {
    throw new RangeError(`threshold must be an integer from 1 to the number of attestors (${attestors.length})`)
  }
  if (!Number.isSafeInteger(maxAgeBlocks) || maxAgeBlocks < 1) throw new RangeError('maxAgeBlocks must be a positive integer')
  return deployArtifact('role gate', { ...options, artifact: options.artifact ?? GATE_ARTIFACT }, [
    attestors,
    BigInt(threshold),
    BigInt(maxAgeBlocks),
  ])
}
