/**
 * The ledger conformance suite on a real node in its own process: anvil, over HTTP JSON-RPC, with
 * the registry deployed by `deployRegistry`. The suite needs one block per submitted transaction
 * (consecutive heights) and block times that follow its clock, so the node automines and the block
 * timestamp is set before each submission; interval mining at 1 s blocks is exercised by
 * test/ledger/evm/sender.test.ts and the `anvil` benchmark.
 */
import { afterAll, describe } from 'vitest'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import type { Receipt, Submittable } from '../../src/ledger/types.js'
import { deployRegistry, EvmLedger, type EvmLedgerOptions } from '../../src/ledger/evm.js'
import { type AnvilNode, anvilUnavailable, startAnvil } from '../../scripts/anvil.js'
import { ledgerConformance } from './conformance.js'
import { tempFile } from './evm-harness.js'

const unavailable = anvilUnavailable()
if (unavailable) console.warn(`anvil conformance skipped: ${unavailable}`)

let nodes: AnvilNode[] = []
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
})

/** An EVM ledger whose next block takes its timestamp from the suite's clock. */
class ClockedLedger extends EvmLedger {
  readonly #node: AnvilNode
  readonly #clock: () => number
  constructor(node: AnvilNode, clock: () => number, options: EvmLedgerOptions) {
    super(options)
    this.#node = node
    this.#clock = clock
  }
  override async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    await this.#node.rpc('evm_setNextBlockTimestamp', [this.#clock()])
    return super.submit(operations)
  }
}

/** A fresh node (the previous test's is stopped) with the registry deployed and a writer allowed. */
async function anvilRegistry(clock: () => number) {
  await Promise.all(nodes.map((n) => n.stop()))
  // Genesis well before the suite's clock: every block the suite mines is later than the deployment.
  const node = await startAnvil({ timestamp: clock() - 100_000 })
  nodes = [node]
  const { address } = await deployRegistry({ rpc: node.url, account: node.deployer })
  const ledger = (options: Partial<EvmLedgerOptions> = {}) =>
    new ClockedLedger(node, clock, { rpc: node.url, registry: address, account: node.deployer, pollIntervalMs: 20, ...options })
  return { ledger }
}

describe.skipIf(unavailable !== undefined)(`anvil ${unavailable ? `(skipped: ${unavailable})` : '1.7.1, automine'}`, () => {
  ledgerConformance(
    'EVM registry on anvil over HTTP, read straight from the chain',
    async (clock) => {
      const { ledger } = await anvilRegistry(clock)
      return { ledger: ledger({ maxLogsRange: 2 }), reopen: async () => ledger({ maxLogsRange: 2 }) }
    },
    { durable: true, chainTime: true },
  )

  ledgerConformance(
    'EVM registry on anvil over HTTP, through its SQLite index',
    async (clock) => {
      const { ledger } = await anvilRegistry(clock)
      const path = tempFile('index.db')
      const index = new ChainIndex(path, ledger(), { create: true })
      await index.sync()
      return {
        ledger: index,
        reopen: async () => {
          await index.close()
          const again = new ChainIndex(path, ledger())
          await again.sync()
          return again
        },
      }
    },
    { durable: true, chainTime: true },
  )
})
