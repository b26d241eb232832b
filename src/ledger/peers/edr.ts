// @nomicfoundation/edr, the optional peer dependency of grid-did/ledger/devchain, loaded when that
// entry is imported: without it the import rejects with one DependencyMissingError line.
import type * as Edr from '@nomicfoundation/edr'
import { requirePeer } from './load.js'

export type { Provider, ProviderConfig } from '@nomicfoundation/edr'

export const {
  CANCUN,
  ContractDecoder,
  EdrContext,
  L1_CHAIN_TYPE,
  MERGE,
  MineOrdering,
  PRAGUE,
  SHANGHAI,
  l1GenesisState,
  l1HardforkFromString,
  l1ProviderFactory,
} = requirePeer<typeof Edr>('@nomicfoundation/edr')
/** The instance type of the class of the same name (the binding above is only its value). */
export type EdrContext = Edr.EdrContext
