/**
 * `grid-did/ledger/evm`: the consortium chain ledger ({@link EvmLedger}) and the registry's
 * deployment. The parts live in `./evm/`: `ledger.ts` (the adapter), `read.ts` (log reader),
 * `write.ts` (transactions), `connection.ts` (node and registry views), `deploy.ts`, `abi.ts`.
 */
export { REGISTRY_ARTIFACT } from './registry-artifact.js'
export type { Eip1193Provider } from './eip1193.js'
export type { ChainOperation, EvmLedgerOptions, RegistryArtifact, ScanResult } from './evm/types.js'
export { EvmLedger } from './evm/ledger.js'
export { deployArtifact, deployRegistry, type DeployRegistryOptions } from './evm/deploy.js'
