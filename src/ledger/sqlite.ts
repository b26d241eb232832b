// Entry point `grid-did/ledger/sqlite`: the embedded stores (Node only, better-sqlite3).
export { SqliteLedger } from './sqlite/ledger.js'
export type { SqliteLedgerOptions } from './sqlite/ledger.js'
export { ChainIndex } from './chain-index.js'
export type { ChainIndexOptions, IndexedChain, SyncResult } from './chain-index.js'
