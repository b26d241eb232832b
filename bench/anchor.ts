/**
 * Anchoring throughput: the embedded store (SQLite, synchronous FULL: durable) and the EVM registry
 * through the adapter (batch sizes 1, 50, 250) on the in-process chain, against the figure a
 * published demand-response platform reports for a 7-node IBFT chain (1,000 anchoring TPS; reported,
 * not run here).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from 'viem/accounts'
import { Ed25519KeyPair, createDid, foldOperations, updateDid, type EncodedOperation } from '../src/index.js'
import { createDevChain } from '../src/ledger/devchain.js'
import { EvmLedger, deployRegistry } from '../src/ledger/evm.js'
import { SqliteLedger } from '../src/ledger/sqlite.js'
import type { Ledger } from '../src/ledger/types.js'
import type { BenchContext } from './lib.js'

const SEED = 1000
const SEED_NAME = 'published platform, 7-node IBFT (reported, not run)'

/** `count` creates, each with its own fresh keys (bulk onboarding). */
async function creates(count: number): Promise<EncodedOperation[]> {
  const out: EncodedOperation[] = []
  for (let i = 0; i < count; i++)
    out.push(await createDid({ network: 'bench', updateKey: Ed25519KeyPair.generate(), recoveryKey: Ed25519KeyPair.generate() }))
  return out
}

/** `count` updates of already anchored DIDs (one signature each, keys known): day-to-day changes. */
async function updates(ledger: Ledger, count: number): Promise<EncodedOperation[]> {
  const dids = Math.max(1, Math.ceil(count / 50))
  const out: EncodedOperation[] = []
  for (let d = 0; d < dids; d++) {
    const key = Ed25519KeyPair.generate()
    const create = await createDid({ network: 'bench', updateKey: key, recoveryKey: key })
    await ledger.submit([create])
    let state = foldOperations(create.did, [{ bytes: create.bytes, height: 1, position: 0, time: 0 }]).state!
    for (let i = 0; i < 50 && out.length < count; i++) {
      const op = await updateDid(state, key, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://u${i}.example`] }] })
      out.push(op)
      state = { ...state, head: op.cid }
    }
  }
  return out
}

/** Operations per second anchoring `ops` in batches of `size`. */
async function throughput(ledger: Ledger, ops: EncodedOperation[], size: number): Promise<number> {
  const t = performance.now()
  for (let i = 0; i < ops.length; i += size) await ledger.submit(ops.slice(i, i + size))
  return (ops.length / (performance.now() - t)) * 1000
}

export async function anchorBench(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-bench-anchor-'))
  try {
    const n = Math.round(10_000 * ctx.scale)
    {
      const ledger = new SqliteLedger(join(dir, 'creates.db'), { create: true })
      const ops = await creates(n)
      ctx.log(`anchor: ${n} creates signed`)
      const rate = await throughput(ledger, ops, 250)
      ctx.record({
        name: 'anchor creates (fresh keys), embedded SQLite FULL, 250/batch',
        value: rate,
        unit: 'ops/s',
        baseline: SEED_NAME,
        baselineValue: SEED,
        target: '≥ 10,000 ops/s durable',
        met: rate >= 10_000,
      })
      await ledger.close()
    }
    {
      const ledger = new SqliteLedger(join(dir, 'updates.db'), { create: true })
      const ops = await updates(ledger, n)
      const rate = await throughput(ledger, ops, 250)
      ctx.record({
        name: 'anchor updates, embedded SQLite FULL, 250/batch',
        value: rate,
        unit: 'ops/s',
        baseline: SEED_NAME,
        baselineValue: SEED,
        target: '≥ 10,000 ops/s durable',
        met: rate >= 10_000,
      })
      await ledger.close()
    }
    const chain = await createDevChain()
    try {
      const writer = generatePrivateKey()
      const { address } = await deployRegistry({ rpc: chain, account: writer })
      const evm = new EvmLedger({ rpc: chain, registry: address, account: writer })
      for (const size of [1, 50, 250]) {
        const count = size === 1 ? Math.round(300 * ctx.scale) : Math.round(5000 * ctx.scale)
        const ops = await creates(count)
        const rate = await throughput(evm, ops, size)
        const evmTarget = size === 250
        ctx.record({
          name: `anchor creates on the EVM registry (in-process EDR), ${size}/transaction`,
          value: rate,
          unit: 'ops/s',
          baseline: SEED_NAME,
          baselineValue: SEED,
          target: evmTarget ? '≥ 2,000 ops/s' : 'reported',
          met: evmTarget ? rate >= 2_000 : null,
        })
      }
    } finally {
      await chain.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
