/**
 * Anchoring on a real node: anvil in its own process, blocks every second, a block gas limit and
 * EIP-7825's per-transaction gas cap, gas price 0 (a consortium chain's settings), over HTTP
 * JSON-RPC. Creates per second from the first `submit` until every receipt is final, submissions
 * of 2,000 with three outstanding and the writer keeping up to 16 transactions in flight, against
 * the same writer sending one transaction at a time, one submission at a time, on the same node.
 */
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { Ed25519KeyPair, createDid, type EncodedOperation } from '../src/index.js'
import { EvmLedger, deployRegistry } from '../src/ledger/evm.js'
import { anvilUnavailable, startAnvil } from '../scripts/anvil.js'
import type { BenchContext } from './lib.js'

const BLOCK_TIME = 1
/**
 * The block gas limit stated for this row: 200 M, room for eleven full transactions under the 2^24
 * cap (consortium genesis files often set far more: Besu's examples use 0x1fffffffffffff). At
 * 100 M, five full transactions fit a block (the node packs by gas limit): about 2,200 creates.
 */
const BLOCK_GAS = 200_000_000
const TX_GAS_CAP = 16_777_216
const IN_FLIGHT = 16
const SUBMISSION = 2_000
const WINDOW = 3

async function creates(count: number): Promise<EncodedOperation[]> {
  const out: EncodedOperation[] = []
  for (let i = 0; i < count; i++)
    out.push(await createDid({ network: 'bench', updateKey: Ed25519KeyPair.generate(), recoveryKey: Ed25519KeyPair.generate() }))
  return out
}

const fmt = (x: number) => x.toLocaleString('en')

export async function anvilBench(ctx: BenchContext): Promise<void> {
  const skip = anvilUnavailable()
  if (skip) {
    ctx.log(`anvil: skipped (${skip})`)
    return
  }
  const node = await startAnvil({ blockTime: BLOCK_TIME, gasLimit: BLOCK_GAS })
  try {
    const writer = privateKeyToAccount(node.deployer).address
    const { address: registry } = await deployRegistry({ rpc: node.url, account: node.deployer })
    /**
     * Creates per second anchoring `ops` as a stream of submissions of 2,000 (a bulk onboarding),
     * `window` of them outstanding, and the gas of their transactions.
     */
    const run = async (ops: EncodedOperation[], inFlight: number, window: number) => {
      const ledger = new EvmLedger({ rpc: node.url, registry, account: node.deployer, inFlight, pollIntervalMs: 100 })
      const from = Number(await node.rpc('eth_blockNumber'))
      const t = performance.now()
      const cpu = process.cpuUsage()
      const outstanding: Promise<unknown>[] = []
      for (let i = 0; i < ops.length; i += SUBMISSION) {
        if (outstanding.length === window) await outstanding.shift()
        outstanding.push(ledger.submit(ops.slice(i, i + SUBMISSION)))
      }
      await Promise.all(outstanding)
      const rate = (ops.length / (performance.now() - t)) * 1000
      const used = process.cpuUsage(cpu)
      // This process's CPU per create (admission, signing, receipts, reading back): its one-core ceiling.
      const cpuPerCreate = (used.user + used.system) / 1000 / ops.length
      const to = Number(await node.rpc('eth_blockNumber'))
      const gas: bigint[] = []
      let limit = 0
      for (let h = from + 1; h <= to; h++) {
        const block = (await node.rpc('eth_getBlockByNumber', [`0x${h.toString(16)}`, true])) as {
          transactions: { hash: Hex; from: string; gas: Hex }[]
        }
        for (const tx of block.transactions.filter((x) => x.from.toLowerCase() === writer.toLowerCase())) {
          const receipt = (await node.rpc('eth_getTransactionReceipt', [tx.hash])) as { gasUsed: Hex }
          gas.push(BigInt(receipt.gasUsed))
          limit = Math.max(limit, Number(tx.gas))
        }
      }
      await ledger.close()
      const total = gas.reduce((a, b) => a + b, 0n)
      return { rate, txs: gas.length, perTx: Number(total) / gas.length, perCreate: Number(total) / ops.length, cpuPerCreate, limit }
    }
    const n = Math.round(20_000 * ctx.scale)
    const ops = await creates(n)
    ctx.log(`anvil: ${n} creates signed; node ${node.url}, ${BLOCK_TIME} s blocks, block gas ${fmt(node.gasLimit)}`)
    const piped = await run(ops, IN_FLIGHT, WINDOW)
    ctx.log(
      `anvil: ${IN_FLIGHT} in flight: ${Math.round(piped.rate)} creates/s, ${piped.txs} transactions, ${fmt(Math.round(piped.perTx))} gas/tx, ${fmt(Math.round(piped.perCreate))} gas/create, writer CPU ${piped.cpuPerCreate.toFixed(3)} ms/create (one-core ceiling ${fmt(Math.round(1000 / piped.cpuPerCreate))}/s); chain ceiling ${Math.floor(node.gasLimit / piped.limit)} transactions (gas limit ${fmt(piped.limit)}) of ${Math.round(piped.perTx / piped.perCreate)} creates per block`,
    )
    const serialOps = await creates(Math.max(4_000, Math.round(8_000 * ctx.scale)))
    const serial = await run(serialOps, 1, 1)
    ctx.log(`anvil: one at a time: ${Math.round(serial.rate)} creates/s, ${serial.txs} transactions of ${serialOps.length} creates`)
    ctx.record({
      name: `anchor creates on anvil (own process, ${BLOCK_TIME} s blocks, block gas ${fmt(node.gasLimit)}, tx gas cap ${fmt(TX_GAS_CAP)}), ${IN_FLIGHT} tx in flight, finality included`,
      value: piped.rate,
      unit: 'ops/s',
      baseline: 'same node, one transaction at a time, one submission at a time',
      baselineValue: serial.rate,
      target: '≥ 2,000 ops/s sustained',
      met: piped.rate >= 2_000,
    })
  } finally {
    await node.stop()
  }
}
