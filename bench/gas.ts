/**
 * Gas per anchored operation on the EVM registry, from transaction receipts (exact and
 * machine-independent): minimal creates (fresh keys) and one-patch updates of distinct DIDs, sent
 * by the adapter in batches of 1, 50 and as many as the default per-transaction cap allows (2^24,
 * EIP-7825), on Shanghai rules and on Prague's (whose calldata floor, EIP-7623, charges 40 gas a
 * non-zero byte when execution is cheap). The baselines are registry version 1 (a fresh storage
 * slot per operation for deduplication), measured on the same operations before version 2 replaced
 * it (git 4bf042a, at 1, 50 and 250 operations a transaction; gas does not depend on the machine).
 */
import { generatePrivateKey } from 'viem/accounts'
import { keccak256, type Hex } from 'viem'
import { Ed25519KeyPair, createDid, foldOperations, updateDid, type EncodedOperation } from '../src/index.js'
import { createDevChain } from '../src/ledger/devchain.js'
import type { Eip1193Provider } from '../src/ledger/eip1193.js'
import { EvmLedger, deployRegistry } from '../src/ledger/evm.js'
import type { BenchContext } from './lib.js'

/** Registry v1's gas per create and per update at 1, 50 and 250 a transaction (Shanghai; Prague within 12 gas). */
const V1 = {
  1: { create: 105_976, update: 72_608 },
  50: { create: 59_602, update: 43_339 },
  full: { create: 59_135, update: 42_882 },
} as const
const V1_NAME = (size: string) => `registry v1 (a dedupe slot per operation), same operations, ${size}/transaction, measured at 4bf042a`

/** Gas per operation of anchoring `ops` in transactions of at most `size`, and how many transactions that took. */
async function gasPerOperation(
  provider: Eip1193Provider,
  sent: Hex[],
  ledger: EvmLedger,
  ops: EncodedOperation[],
  size: number,
): Promise<{ perOperation: number; transactions: number; largest: number }> {
  const before = sent.length
  for (let i = 0; i < ops.length; i += size) await ledger.submit(ops.slice(i, i + size))
  let gas = 0
  let largest = 0
  for (const hash of sent.slice(before)) {
    const receipt = (await provider.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as { gasUsed: Hex }
    gas += Number(receipt.gasUsed)
    largest = Math.max(largest, Number(receipt.gasUsed))
  }
  return { perOperation: gas / ops.length, transactions: sent.length - before, largest }
}

export async function gasBench(ctx: BenchContext): Promise<void> {
  for (const hardfork of ['shanghai', 'prague'] as const) {
    const chain = await createDevChain({ hardfork })
    try {
      const sent: Hex[] = []
      const provider: Eip1193Provider = {
        request(args) {
          if (args.method === 'eth_sendRawTransaction') sent.push(keccak256((args.params as Hex[])[0]!))
          return chain.request(args)
        },
      }
      const writer = generatePrivateKey()
      const { address } = await deployRegistry({ rpc: provider, account: writer })
      const ledger = new EvmLedger({ rpc: provider, registry: address, account: writer })
      // Enough for one full transaction of creates (about 470 fit under 2^24) and of updates.
      const n = 600
      const keys = Array.from({ length: n }, () => Ed25519KeyPair.generate())
      const creates = await Promise.all(
        keys.map((k) => createDid({ network: 'bench', updateKey: k, recoveryKey: Ed25519KeyPair.generate() })),
      )
      const updates = await Promise.all(
        creates.map((c, i) => {
          const state = foldOperations(c.did, [{ bytes: c.bytes, height: 1, position: 0, time: 0 }]).state!
          return updateDid(state, keys[i]!, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://u${i}.example`] }] })
        }),
      )
      const rules = hardfork === 'prague' ? 'Prague rules (EIP-7623 calldata floor)' : 'Shanghai rules'
      // Small batches first, on operations of their own; the full batches then use the rest.
      let at = 0
      for (const size of [1, 50]) {
        const count = size === 1 ? 10 : 100
        for (const [what, ops] of [
          ['create', creates],
          ['update', updates],
        ] as const) {
          if (what === 'update') await ledger.submit(creates.slice(at, at + count))
          const { perOperation } = await gasPerOperation(provider, sent, ledger, ops.slice(at, at + count), size)
          ctx.record({
            name: `gas per ${what} on the EVM registry, ${size}/transaction, ${rules}`,
            value: perOperation,
            unit: 'gas',
            baseline: V1_NAME(String(size)),
            baselineValue: V1[size as 1 | 50][what],
            target: 'reported',
            met: null,
          })
        }
        at += count
      }
      const rest = n - at
      const created = await gasPerOperation(provider, sent, ledger, creates.slice(at), 1000)
      ctx.record({
        name: `gas per create (minimal, fresh key) on the EVM registry, full batches under 2^24 (${rest} in ${created.transactions} transactions, largest ${created.largest} gas), ${rules}`,
        value: created.perOperation,
        unit: 'gas',
        baseline: V1_NAME('250'),
        baselineValue: V1.full.create,
        target: '≤ 35,000 gas',
        met: created.perOperation <= 35_000,
      })
      const updated = await gasPerOperation(provider, sent, ledger, updates.slice(at), 1000)
      ctx.record({
        name: `gas per update (one patch, distinct DIDs) on the EVM registry, full batches under 2^24 (${rest} in ${updated.transactions} transactions), ${rules}`,
        value: updated.perOperation,
        unit: 'gas',
        baseline: V1_NAME('250'),
        baselineValue: V1.full.update,
        target: '≤ 15,000 gas',
        met: updated.perOperation <= 15_000,
      })
      await ledger.close()
    } finally {
      await chain.close()
    }
  }
}
