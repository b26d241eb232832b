/**
 * Foundation benchmarks: each figure is compared with a baseline measured in the same run (machines
 * here are shared and noisy: ratios hold, absolute times do not). Prints a table and writes
 * bench/results.json. `npm run bench -- --quick` runs a smaller scale.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Ed25519KeyPair,
  GridResolver,
  MemoryLedger,
  createDid,
  decodeOperation,
  foldOperations,
  updateDid,
  type EncodedOperation,
} from '../src/index.js'
import { ed25519Verify } from '../src/lib/crypto.js'
import { SqliteLedger } from '../src/ledger/sqlite.js'

const quick = process.argv.includes('--quick')
const scale = quick ? 0.2 : 1

interface Row {
  name: string
  value: number
  unit: string
  baseline: string
  baselineValue: number
  ratio: number
}
const rows: Row[] = []

/** Operations per second of `fn`, run `n` times (after a short warm-up). */
async function rate(n: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(i)
  const t = performance.now()
  for (let i = 0; i < n; i++) await fn(i)
  return (n / (performance.now() - t)) * 1000
}

function record(name: string, value: number, unit: string, baseline: string, baselineValue: number) {
  rows.push({ name, value: round(value), unit, baseline, baselineValue: round(baselineValue), ratio: round(value / baselineValue) })
}
const round = (x: number) => Math.round(x * 100) / 100

async function chainOf(updates: number, network = 'bench') {
  const key = Ed25519KeyPair.generate()
  const create = await createDid({ network, updateKey: key, recoveryKey: key })
  const ops: EncodedOperation[] = [create]
  let state = foldOperations(create.did, [{ bytes: create.bytes, height: 1, position: 0, time: 0 }]).state!
  for (let i = 0; i < updates; i++) {
    const op = await updateDid(state, key, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${i}.example`] }] })
    ops.push(op)
    state = { ...state, head: op.cid }
  }
  return { did: create.did, ops }
}

// 1. Ed25519: native (node:crypto) vs pure JS (@noble), same rule set.
{
  const key = Ed25519KeyPair.generate()
  const msg = new Uint8Array(200).fill(1)
  const sig = key.signSync(msg)
  const n = Math.round(2000 * scale)
  const native = await rate(n * 5, () => ed25519Verify(sig, msg, key.publicKey, 'native'))
  const js = await rate(n, () => ed25519Verify(sig, msg, key.publicKey, 'js'))
  record('Ed25519 verify, native path', native, 'ops/s', 'pure-JS path (@noble/ed25519)', js)
}

// 2. Stand-alone operation check (size, JCS, shape, signature) vs the bare signature verify.
{
  const { ops } = await chainOf(1)
  const op = ops[1]!
  const key = Ed25519KeyPair.generate()
  const sig = key.signSync(op.bytes)
  const n = Math.round(20_000 * scale)
  const check = await rate(n, () => decodeOperation(op.bytes))
  const raw = await rate(n, () => ed25519Verify(sig, op.bytes, key.publicKey, 'native'))
  record('decodeOperation (all checks)', check, 'ops/s', 'raw native Ed25519 verify', raw)
}

// 3. Durable anchoring on the embedded store (synchronous=FULL) vs the in-memory ledger.
const dir = mkdtempSync(join(tmpdir(), 'grid-did-bench-'))
{
  // Distinct keys per DID, as in bulk onboarding: no key-validation memo helps here.
  const batches = Math.round(50 * scale)
  const perBatch = 200
  const all: Uint8Array[][] = []
  for (let b = 0; b < batches; b++) {
    const batch = []
    for (let i = 0; i < perBatch; i++) {
      const op = await createDid({ network: 'bench', updateKey: Ed25519KeyPair.generate(), recoveryKey: Ed25519KeyPair.generate() })
      batch.push(op.bytes)
    }
    all.push(batch)
  }
  const sqlite = new SqliteLedger(join(dir, 'anchor.db'), { create: true })
  const memory = new MemoryLedger()
  let t = performance.now()
  for (const batch of all) await sqlite.submit(batch)
  const durable = (batches * perBatch) / ((performance.now() - t) / 1000)
  t = performance.now()
  for (const batch of all) await memory.submit(batch)
  const inMemory = (batches * perBatch) / ((performance.now() - t) / 1000)
  record(`anchor signed creates (distinct keys), SQLite FULL sync, ${perBatch}/batch`, durable, 'ops/s', 'in-memory ledger (same checks)', inMemory)
  await sqlite.close()
}

// 4. Resolve a DID with 10 updates: warm cache vs no cache (read + verify + fold every time).
{
  const ledger = new SqliteLedger(join(dir, 'resolve.db'), { create: true })
  const { did, ops } = await chainOf(10)
  for (const op of ops) await ledger.submit([op])
  const warm = new GridResolver({ networks: { bench: ledger } })
  const cold = new GridResolver({ networks: { bench: ledger }, cache: false })
  const n = Math.round(5000 * scale)
  const warmRate = await rate(n, () => warm.resolve(did))
  const coldRate = await rate(Math.round(n / 5), () => cold.resolve(did))
  record('resolve, 10 updates, warm (SQLite)', warmRate, 'ops/s', 'same, cache disabled', coldRate)

  // 5. Growth: the same uncached resolve after adding many unrelated DIDs to the store.
  const key = Ed25519KeyPair.generate()
  const extra = Math.round(20_000 * scale)
  for (let b = 0; b < extra / 500; b++) {
    const batch = []
    for (let i = 0; i < 500; i++) batch.push((await createDid({ network: 'bench', updateKey: key, recoveryKey: key })).bytes)
    await ledger.submit(batch)
  }
  const coldBig = await rate(Math.round(n / 5), () => cold.resolve(did))
  record(`resolve uncached with ${extra + 1} DIDs in store`, coldBig, 'ops/s', 'same with 1 DID in store', coldRate)
  await ledger.close()
}
rmSync(dir, { recursive: true, force: true })

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version }
console.log(`\ngrid-did benchmarks${quick ? ' (--quick)' : ''} — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n`)
console.log(`| benchmark | value | baseline (same run) | baseline value | ratio |`)
console.log(`|---|---:|---|---:|---:|`)
for (const r of rows) console.log(`| ${r.name} | ${r.value.toLocaleString('en')} ${r.unit} | ${r.baseline} | ${r.baselineValue.toLocaleString('en')} ${r.unit} | ${r.ratio}× |`)
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify({ machine, quick, date: new Date().toISOString(), rows }, null, 2)}\n`)
console.log('\nwrote bench/results.json')
