/**
 * Anchoring throughput: the embedded store (SQLite, synchronous FULL: durable; signatures verified
 * on worker threads, one per core, and on the calling thread for comparison) and the EVM registry
 * through the adapter (batch sizes 1, 50, 250) on the in-process chain, against the figure a
 * published demand-response platform reports for a 7-node IBFT chain (1,000 anchoring TPS; reported,
 * not run here).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from 'viem/accounts'
import { Ed25519KeyPair, createDid, foldOperations, updateDid, type EncodedOperation } from '../src/index.js'
import { createDevChain } from '../src/ledger/devchain.js'
import { EvmLedger, deployRegistry } from '../src/ledger/evm.js'
import { SqliteLedger } from '../src/ledger/sqlite.js'
import { VerifyPool } from '../src/ledger/sqlite/verify-pool.js'
import { ed25519Verify } from '../src/lib/crypto.js'
import type { Ledger } from '../src/ledger/types.js'
import { rate, type BenchContext } from './lib.js'

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

const cores = availableParallelism()

/** Native Ed25519 verifications per second on this thread (the rule set's checks included). */
async function nativeVerifyRate(n: number): Promise<number> {
  const key = Ed25519KeyPair.generate()
  const msg = new Uint8Array(300).fill(1)
  const sig = key.signSync(msg)
  return rate(n, () => ed25519Verify(sig, msg, key.publicKey, 'native'))
}

/** CPU microseconds of one native Ed25519 verification (CPU time, not wall time: robust to load). */
async function nativeVerifyCpu(n: number): Promise<number> {
  const key = Ed25519KeyPair.generate()
  const msg = new Uint8Array(300).fill(1)
  const sig = key.signSync(msg)
  await rate(50, () => ed25519Verify(sig, msg, key.publicKey, 'native'))
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) ed25519Verify(sig, msg, key.publicKey, 'native')
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / n
}

/**
 * The physical limit rows (bench/run.ts basics): native verifies per second on one core, and on all
 * cores through the ledger's worker pool (distinct keys, 250 per batch, as admission sends them).
 */
export async function verifyLimits(ctx: BenchContext): Promise<void> {
  const n = Math.round(10_000 * ctx.scale)
  const one = await nativeVerifyRate(n)
  ctx.record({
    name: 'native Ed25519 verifies/s, one core',
    value: one,
    unit: 'verifies/s',
    baseline: 'reported',
    baselineValue: one,
    target: 'reported',
    met: null,
  })
  const keys = Array.from({ length: 256 }, () => Ed25519KeyPair.generate())
  const checks = Array.from({ length: n }, (_, i) => {
    const message = new Uint8Array(300).fill(i & 255)
    const key = keys[i % keys.length]!
    return { signature: key.signSync(message), message, publicKey: key.publicKey, points: [] }
  })
  const pool = new VerifyPool(cores)
  try {
    await pool.run(checks.slice(0, 250))
    const t = performance.now()
    for (let i = 0; i < n; i += 250) await pool.run(checks.slice(i, i + 250))
    const all = (n / (performance.now() - t)) * 1000
    ctx.record({
      name: `native Ed25519 verifies/s, all cores (${cores} workers)`,
      value: all,
      unit: 'verifies/s',
      baseline: 'one core',
      baselineValue: one,
      target: 'reported',
      met: null,
    })
  } finally {
    await pool.close()
  }
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
      const ops = await creates(n)
      ctx.log(`anchor: ${n} creates signed`)
      const ledger = new SqliteLedger(join(dir, 'creates.db'), { create: true })
      const cpu = process.cpuUsage()
      const rate = await throughput(ledger, ops, 250)
      const used = process.cpuUsage(cpu)
      await ledger.close()
      ctx.record({
        name: 'anchor creates (fresh keys), embedded SQLite FULL, 250/batch',
        value: rate,
        unit: 'ops/s',
        baseline: SEED_NAME,
        baselineValue: SEED,
        target: '≥ 10,000 ops/s durable',
        met: rate >= 10_000,
      })
      // The physical limit: CPU per create on all threads together (one verify, one point decoding,
      // decoding, SQLite), against one native verify on one core. cores ÷ that cost bounds the rate.
      const perOp = (used.user + used.system) / ops.length
      const verify = await nativeVerifyCpu(Math.round(2000 * ctx.scale))
      ctx.record({
        name: `anchor creates: CPU per create, all threads (bound on ${cores} cores: ${Math.round((cores * 1e6) / perOp).toLocaleString('en')} ops/s)`,
        value: perOp,
        unit: 'core-µs',
        baseline: 'CPU of one native Ed25519 verify',
        baselineValue: verify,
        target: 'reported',
        met: null,
      })
      const inline = new SqliteLedger(join(dir, 'creates-inline.db'), { create: true, verifyThreads: 0 })
      const inlineRate = await throughput(inline, ops, 250)
      await inline.close()
      ctx.record({
        name: 'anchor creates, embedded SQLite FULL, 250/batch, verified on the calling thread (verifyThreads 0)',
        value: inlineRate,
        unit: 'ops/s',
        baseline: `worker threads (${cores}), same operations`,
        baselineValue: rate,
        target: 'reported',
        met: null,
      })
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
