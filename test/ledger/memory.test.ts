import { MemoryLedger } from '../../src/index.js'
import { ledgerConformance } from './conformance.js'

ledgerConformance('MemoryLedger', async (clock) => ({ ledger: new MemoryLedger({ clock }) }))
