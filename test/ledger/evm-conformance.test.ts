import { afterAll } from 'vitest'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import { ledgerConformance } from './conformance.js'
import { devRegistry, tempFile, type DevRegistry } from './evm-harness.js'

const chains: DevRegistry[] = []
afterAll(async () => {
  await Promise.all(chains.map((c) => c.close()))
})

ledgerConformance(
  'EVM registry, read straight from the chain (EDR)',
  async (clock) => {
    const dev = await devRegistry({ clock })
    chains.push(dev)
    // Windows of two blocks: a read walks several of them, and a page drops the ones above it.
    return { ledger: dev.ledger({ maxLogsRange: 2 }), reopen: async () => dev.ledger({ maxLogsRange: 2 }) }
  },
  { durable: true, chainTime: true },
)

ledgerConformance(
  'EVM registry through its SQLite index (EDR)',
  async (clock) => {
    const dev = await devRegistry({ clock })
    chains.push(dev)
    const path = tempFile('index.db')
    const index = new ChainIndex(path, dev.ledger(), { create: true })
    await index.sync()
    return {
      ledger: index,
      reopen: async () => {
        await index.close()
        const again = new ChainIndex(path, dev.ledger())
        await again.sync()
        return again
      },
    }
  },
  { durable: true, chainTime: true },
)
