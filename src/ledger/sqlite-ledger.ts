// The embedded durable ledger; its parts live in `./sqlite/` (ledger, schema, statements, read, write, integrity).
export { SqliteLedger, type SqliteLedgerOptions } from './sqlite/ledger.js'
