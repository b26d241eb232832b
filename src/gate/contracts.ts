import { isAddress, type Address, type Hex, type LocalAccount } from '../ledger/peers/viem.js'
import type { Eip1193Provider } from '../ledger/eip1193.js'
import { deployArtifact } from '../ledger/evm/deploy.js'
import type { RegistryArtifact } from '../ledger/evm/types.js'
import { DEMAND_RESPONSE_ARTIFACT } from './demand-response-artifact.js'
import { SETTLEMENT_ARTIFACT } from './settlement-artifact.js'

export { DEMAND_RESPONSE_ARTIFACT, SETTLEMENT_ARTIFACT }

/** Options of {@link deployDemandResponse}. */
export interface DeployDemandResponseOptions {
  /** JSON-RPC endpoint URL or an EIP-1193 provider. */
  rpc: string | Eip1193Provider
  /** The deployer, who becomes the operator (the utility's dispatch account): a private key or a viem local account. */
  account: Hex | LocalAccount
  /** The `GridRoleGate` whose attested decisions the contract accepts. */
  gate: string
  /** Another compiled artifact (default: the bundled paris build of contracts/DemandResponse.sol). */
  artifact?: RegistryArtifact
  confirmations?: number
  timeoutMs?: number
}

/** Options of {@link deploySettlement}. */
export interface DeploySettlementOptions extends Omit<DeployDemandResponseOptions, 'artifact'> {
  /** The `GridDemandResponse` whose events it settles. */
  demandResponse: string
  /** Another compiled artifact (default: the bundled paris build of contracts/Settlement.sol). */
  artifact?: RegistryArtifact
}

function checkAddress(name: string, value: unknown): void {
  if (typeof value !== 'string' || !isAddress(value, { strict: false }))
    throw new TypeError(`${name} must be a 0x-prefixed 20-byte address`)
}

/**
 * Deploys the reference demand-response contract (`contracts/DemandResponse.sol`, `GridDemandResponse`)
 * consuming `gate`. The deployer becomes its operator: it invites events and records deliveries.
 *
 * @example
 * ```ts
 * const { address: demandResponse } = await deployDemandResponse({ rpc, account: dispatchKey, gate })
 * ```
 * @throws {TypeError} for a malformed gate address or options; `LedgerUnavailableError` when the
 *   node fails or the deployment reverts.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export async function deployDemandResponse(
  options: DeployDemandResponseOptions,
): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  checkAddress('gate', options.gate)
  return deployArtifact('demand-response contract', { ...options, artifact: options.artifact ?? DEMAND_RESPONSE_ARTIFACT }, [options.gate])
}

/**
 * Deploys the reference settlement contract (`contracts/Settlement.sol`, `GridSettlement`) consuming
 * `gate` and settling the events of `demandResponse`. The deployer becomes its operator.
 *
 * @example
 * ```ts
 * const { address: settlement } = await deploySettlement({ rpc, account: settlementKey, gate, demandResponse })
 * ```
 * @throws {TypeError} for a malformed address or options; `LedgerUnavailableError` when the node
 *   fails or the deployment reverts.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export async function deploySettlement(
  options: DeploySettlementOptions,
): Promise<{ address: Address; blockNumber: number; transactionHash: Hex }> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  checkAddress('gate', options.gate)
  checkAddress('demandResponse', options.demandResponse)
  return deployArtifact('settlement contract', { ...options, artifact: options.artifact ?? SETTLEMENT_ARTIFACT }, [
    options.gate,
    options.demandResponse,
  ])
}
