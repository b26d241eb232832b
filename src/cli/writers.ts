import type { AbiEvent, Address } from 'viem'
import { LedgerUnavailableError } from '../errors.js'
import { messageOf } from '../lib/message.js'

/** One account on a registry's writer allow-list. */
export interface ListedWriter {
  address: Address
  /** Block of the `WriterAdded` event that allowed it last. */
  addedAt: number
  /** Who allowed it (the admin then; the deployer for the writers named at deployment). */
  addedBy: Address
}

/** Blocks per `eth_getLogs` (Besu's default `--rpc-max-logs-range`). */
const RANGE = 5_000

/**
 * The registry's writers now, from its `WriterAdded` and `WriterRemoved` events since `fromBlock`
 * (its deployment), folded in chain order; each is then confirmed with the contract's `isWriter`,
 * the authority (an event read wrong would otherwise list a writer that is not one).
 * @throws {LedgerUnavailableError} when the node does not answer.
 */
export async function listWriters(
  rpc: string,
  registry: Address,
  fromBlock: number,
  abi: readonly unknown[],
  isWriter: (address: Address) => Promise<boolean>,
): Promise<ListedWriter[]> {
  const { createPublicClient, http } = await import('../ledger/peers/viem.js')
  const client = createPublicClient({ transport: http(rpc) })
  const events = (abi as AbiEvent[]).filter((e) => e.type === 'event' && (e.name === 'WriterAdded' || e.name === 'WriterRemoved'))
  const writers = new Map<string, ListedWriter>()
  try {
    const latest = Number(await client.getBlockNumber())
    for (let from = fromBlock; from <= latest; from += RANGE) {
      const logs = await client.getLogs({
        address: registry,
        events,
        fromBlock: BigInt(from),
        toBlock: BigInt(Math.min(from + RANGE - 1, latest)),
      })
      // Each range comes back in chain order (block, then log index).
      for (const log of logs) {
        const { writer, by } = log.args as { writer: Address; by: Address }
        if (log.eventName === 'WriterAdded')
          writers.set(writer.toLowerCase(), { address: writer, addedAt: Number(log.blockNumber), addedBy: by })
        else writers.delete(writer.toLowerCase())
      }
    }
  } catch (cause) {
    throw new LedgerUnavailableError(`cannot read the writer events of ${registry}: ${messageOf(cause)}`, { cause })
  }
  const listed = [...writers.values()]
  const allowed = await Promise.all(listed.map((w) => isWriter(w.address)))
  return listed.filter((_, i) => allowed[i])
}
