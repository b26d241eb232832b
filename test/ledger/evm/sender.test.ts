/**
 * The pipelined sender on a real node (anvil in its own process, over HTTP): several transactions
 * of one batch in flight at 1 s blocks, bounded by `inFlight`; a transaction the node dropped and
 * one whose nonce another transaction took, both recovered. Assertions are on nonces, blocks and
 * where the operations landed, never on timings.
 */
import { type Hex, keccak256 } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDid, Ed25519KeyPair, type EncodedOperation, LedgerUnavailableError, type Receipt } from '../../../src/index.js'
import { deployRegistry, EvmLedger, type EvmLedgerOptions } from '../../../src/ledger/evm.js'
import { type AnvilNode, anvilUnavailable, startAnvil } from '../../../scripts/anvil.js'
import { expectRejects } from '../../helpers.js'

const unavailable = anvilUnavailable()
if (unavailable) console.warn(`sender tests on anvil skipped: ${unavailable}`)

interface ChainTx {
  hash: Hex
  from: string
  to: string | null
  nonce: Hex
  blockNumber: Hex
  gasPrice: Hex
}

async function creates(n: number): Promise<EncodedOperation[]> {
  const out: EncodedOperation[] = []
  for (let i = 0; i < n; i++)
    out.push(await createDid({ network: 'test', updateKey: Ed25519KeyPair.generate(), recoveryKey: Ed25519KeyPair.generate() }))
  return out
}

/** A registry on `node` with a fresh allow-listed writer (no balance: gas is free). */
async function registryOn(node: AnvilNode) {
  const writer = generatePrivateKey()
  const address = privateKeyToAccount(writer).address
  const { address: registry, blockNumber } = await deployRegistry({ rpc: node.url, account: node.deployer, writers: [address] })
  const ledger = (options: Partial<EvmLedgerOptions> = {}) =>
    new EvmLedger({ rpc: node.url, registry, account: writer, pollIntervalMs: 20, timeoutMs: 20_000, ...options })
  /** The writer's transactions mined after the deployment, in chain order. */
  const mined = async (): Promise<ChainTx[]> => {
    const head = Number(await node.rpc('eth_blockNumber'))
    const out: ChainTx[] = []
    for (let h = blockNumber + 1; h <= head; h++) {
      const block = (await node.rpc('eth_getBlockByNumber', [`0x${h.toString(16)}`, true])) as { transactions: ChainTx[] }
      out.push(...block.transactions.filter((t) => t.from.toLowerCase() === address.toLowerCase()))
    }
    return out
  }
  return { writer, address, registry, ledger, mined }
}

/** Each receipt names the block and position where its operation's event is. */
async function expectLanded(ledger: EvmLedger, ops: EncodedOperation[], receipts: Receipt[]): Promise<void> {
  expect(receipts.map((r) => r.cid)).toEqual(ops.map((o) => o.cid))
  for (const [i, r] of receipts.entries()) {
    expect((await ledger.batch(r.height))!.operations[r.position]).toBe(ops[i]!.cid)
    expect((await ledger.read(ops[i]!.suffix)).map((o) => [o.height, o.position])).toEqual([[r.height, r.position]])
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`gave up waiting: ${what}`)
}

const poolSize = async (node: AnvilNode) => Number(((await node.rpc('txpool_status')) as { pending: Hex }).pending)

describe.skipIf(unavailable !== undefined)(`TransactionSender on anvil ${unavailable ? `(skipped: ${unavailable})` : '1.7.1'}`, () => {
  describe('at 1 s blocks', () => {
    let node: AnvilNode
    beforeAll(async () => {
      node = await startAnvil({ blockTime: 1 })
    })
    afterAll(() => node?.stop())

    it('sends the transactions of one batch together: consecutive nonces, several in one block, operations in order', async () => {
      const { ledger, mined } = await registryOn(node)
      const ops = await creates(24)
      const receipts = await ledger({ maxOperations: 4 }).submit(ops)
      const txs = await mined()
      expect(txs.map((t) => Number(t.nonce))).toEqual([0, 1, 2, 3, 4, 5])
      // One after another, each transaction would have had a block of its own.
      expect(new Set(txs.map((t) => t.blockNumber)).size).toBeLessThan(6)
      expect(new Set(receipts.map((r) => r.height))).toEqual(new Set(txs.map((t) => Number(t.blockNumber))))
      // Nonce order is submission order: the operations are in the ledger in the order given.
      const order = receipts.map((r, i) => ({ r, i })).sort((a, b) => a.r.height - b.r.height || a.r.position - b.r.position)
      expect(order.map((o) => o.i)).toEqual(ops.map((_, i) => i))
      await expectLanded(ledger(), ops, receipts)
    })

    it('keeps at most inFlight transactions unconfirmed: never more of them in one block', async () => {
      const { ledger, mined } = await registryOn(node)
      const ops = await creates(12)
      const receipts = await ledger({ maxOperations: 2, inFlight: 2 }).submit(ops)
      const txs = await mined()
      expect(txs.map((t) => Number(t.nonce))).toEqual([0, 1, 2, 3, 4, 5])
      const perBlock = new Map<string, number>()
      for (const t of txs) perBlock.set(t.blockNumber, (perBlock.get(t.blockNumber) ?? 0) + 1)
      expect(Math.max(...perBlock.values())).toBeLessThanOrEqual(2)
      expect(perBlock.size).toBeGreaterThanOrEqual(3)
      await expectLanded(ledger(), ops, receipts)
    })

    it('names a bad inFlight', () => {
      expect(() => new EvmLedger({ rpc: node.url, registry: privateKeyToAccount(node.deployer).address, inFlight: 0 })).toThrow(
        new RangeError('inFlight must be an integer >= 1'),
      )
    })
  })

  describe('recovery (mining paused and resumed by the test)', () => {
    let node: AnvilNode
    beforeAll(async () => {
      node = await startAnvil()
    })
    afterAll(() => node?.stop())

    it("sends the next submission's transactions while the previous one awaits its receipts, in call order", async () => {
      const { ledger, mined } = await registryOn(node)
      const writer = ledger({ maxOperations: 2 })
      const a = await creates(4)
      const b = await creates(4)
      await node.rpc('evm_setAutomine', [false])
      const first = writer.submit(a)
      const second = writer.submit(b)
      // All four are in the pool before anything is mined: the second did not wait for the first.
      await until('four transactions in the pool', async () => (await poolSize(node)) === 4)
      await node.rpc('evm_mine')
      await node.rpc('evm_setAutomine', [true])
      const [ra, rb] = await Promise.all([first, second])
      const txs = await mined()
      expect(txs.map((t) => Number(t.nonce))).toEqual([0, 1, 2, 3])
      expect(new Set(txs.map((t) => t.blockNumber)).size).toBe(1)
      // Nonce order is call order: the first submission's operations come first in the block.
      expect([...ra, ...rb].map((r) => r.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
      await expectLanded(writer, [...a, ...b], [...ra, ...rb])
    })

    it('sends a dropped transaction again, the same bytes at the same nonce', async () => {
      const { ledger, mined } = await registryOn(node)
      const ops = await creates(4)
      await node.rpc('evm_setAutomine', [false])
      const submitted = ledger({ maxOperations: 2 }).submit(ops)
      await until('both transactions in the pool', async () => (await poolSize(node)) === 2)
      const content = (await node.rpc('txpool_content')) as { pending: Record<string, Record<string, ChainTx>> }
      const sent = Object.values(content.pending).flatMap((byNonce) => Object.values(byNonce).map((t) => t.hash))
      await node.rpc('anvil_dropAllTransactions')
      expect(await poolSize(node)).toBe(0)
      await node.rpc('evm_setAutomine', [true])
      const receipts = await submitted
      const txs = await mined()
      expect(txs.map((t) => Number(t.nonce))).toEqual([0, 1])
      expect(txs.map((t) => t.hash).sort()).toEqual(sent.sort())
      await expectLanded(ledger(), ops, receipts)
    })

    it('signs again at a fresh nonce when another transaction took its nonce in the pool', async () => {
      const { writer, address, ledger, mined } = await registryOn(node)
      const ops = await creates(1)
      await node.rpc('evm_setAutomine', [false])
      const submitted = ledger().submit(ops)
      await until('the transaction in the pool', async () => (await poolSize(node)) === 1)
      const content = (await node.rpc('txpool_content')) as { pending: Record<string, Record<string, ChainTx>> }
      const ours = Object.values(content.pending).flatMap((byNonce) => Object.values(byNonce).map((t) => t.hash))[0]!
      // The same account, elsewhere, replaces it with a better-paying transfer and gets mined.
      await node.rpc('anvil_setBalance', [address, '0xde0b6b3a7640000'])
      const other = await privateKeyToAccount(writer).signTransaction({
        type: 'legacy',
        chainId: node.chainId,
        nonce: 0,
        gas: 21_000n,
        gasPrice: 1_000_000_000n,
        to: address,
        value: 0n,
      })
      await node.rpc('eth_sendRawTransaction', [other])
      await node.rpc('evm_mine')
      await node.rpc('evm_setAutomine', [true])
      const receipts = await submitted
      const txs = await mined()
      expect(txs.map((t) => [Number(t.nonce), t.to?.toLowerCase()])).toEqual([
        [0, address.toLowerCase()],
        [1, expect.not.stringMatching(address.toLowerCase())],
      ])
      expect(txs[0]!.hash).toBe(keccak256(other))
      expect(txs[1]!.hash).not.toBe(ours)
      expect(await node.rpc('eth_getTransactionReceipt', [ours])).toBeNull()
      await expectLanded(ledger(), ops, receipts)
    })

    it('consumes no nonce on a send the node refuses, and sends nothing queued behind it', async () => {
      const { address, ledger, mined } = await registryOn(node)
      const ops = await creates(600)
      // Above EIP-7825's cap of 2^24 gas per transaction, the node refuses the first of 500 creates.
      const err = await expectRejects(
        ledger({ maxOperations: 500, maxTransactionGas: 30_000_000 }).submit(ops),
        LedgerUnavailableError,
        'ERR_GRID_LEDGER_UNAVAILABLE',
        /^eth_sendRawTransaction failed: /,
      )
      expect(String((err.cause as Error).message)).toMatch(/tx_gas_limit_cap/)
      expect(await mined()).toEqual([])
      expect(await poolSize(node)).toBe(0)
      expect(Number(await node.rpc('eth_getTransactionCount', [address, 'pending']))).toBe(0)
      // No gap: the next submission starts at nonce 0.
      const receipts = await ledger({ maxOperations: 200 }).submit(ops)
      expect((await mined()).map((t) => Number(t.nonce))).toEqual([0, 1, 2])
      await expectLanded(ledger(), ops.slice(0, 3), receipts.slice(0, 3))
    })

    it('goes past a nonce another transaction of the account took since the last submit', async () => {
      const { writer, address, ledger, mined } = await registryOn(node)
      const one = ledger()
      const [a, b] = await creates(2)
      await one.submit([a!])
      // The sender remembers nonce 1 as its next; another process uses it first.
      const other = await privateKeyToAccount(writer).signTransaction({
        type: 'legacy',
        chainId: node.chainId,
        nonce: 1,
        gas: 21_000n,
        gasPrice: 0n,
        to: address,
        value: 0n,
      })
      await node.rpc('eth_sendRawTransaction', [other])
      const receipts = await one.submit([b!])
      const txs = await mined()
      expect(txs.map((t) => Number(t.nonce))).toEqual([0, 1, 2])
      expect(txs[1]!.to?.toLowerCase()).toBe(address.toLowerCase())
      expect(Number(txs[2]!.blockNumber)).toBe(receipts[0]!.height)
      await expectLanded(one, [b!], receipts)
    })
  })
})
