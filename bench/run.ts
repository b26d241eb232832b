/**
 * `npm run bench` (or `npm run bench -- --quick`): every benchmark of the project, each figure
 * compared with its baseline measured in the same run (machines here are shared and noisy: ratios
 * hold, absolute times do not). Prints a table and writes bench/results.json.
 *
 *   npm run bench                      # full scale, under 10 minutes on 2 cores
 *   npm run bench -- --quick           # the same comparisons at a smaller scale, under 2 minutes
 *   npm run bench -- --only role,http  # some modules only (role, resolve, growth, anchor, gas, anvil, flood, http, basics)
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { Ed25519KeyPair, decodeOperation } from '../src/index.js'
import { ed25519Verify } from '../src/lib/crypto.js'
import { anchorBench, verifyLimits } from './anchor.js'
import { anvilBench } from './anvil.js'
import { floodBench } from './flood.js'
import { gasBench } from './gas.js'
import { growthBench } from './growth.js'
import { httpBench } from './http.js'
import { round, rate, type BenchContext, type Row } from './lib.js'
import { didWithUpdates, resolveBench } from './resolve.js'
import { roleCheckBench } from './role-check.js'

const quick = process.argv.includes('--quick')
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt === -1 ? undefined : new Set(process.argv[onlyAt + 1]?.split(','))
const rows: Row[] = []
const started = performance.now()
const ctx: BenchContext = {
  quick,
  scale: quick ? 0.2 : 1,
  record(row) {
    const full: Row = {
      ...row,
      value: round(row.value),
      baselineValue: round(row.baselineValue),
      ratio: round(row.ratio ?? row.value / row.baselineValue),
    }
    rows.push(full)
    process.stderr.write(
      `  ${full.name}: ${full.value} ${full.unit} (${full.ratio}× ${full.baseline})${full.met === null ? '' : full.met ? ' — met' : ' — MISSED'}\n`,
    )
  },
  log: (line) => process.stderr.write(`  ${line}\n`),
}

/** The primitives everything rests on (reported, no target). */
async function basicsBench(c: BenchContext): Promise<void> {
  const key = Ed25519KeyPair.generate()
  const msg = new Uint8Array(200).fill(1)
  const sig = key.signSync(msg)
  const n = Math.round(2000 * c.scale)
  const native = await rate(n * 5, () => ed25519Verify(sig, msg, key.publicKey, 'native'))
  const js = await rate(n, () => ed25519Verify(sig, msg, key.publicKey, 'js'))
  c.record({
    name: 'Ed25519 verify, native path',
    value: native,
    unit: 'ops/s',
    baseline: 'pure-JS path (@noble/ed25519), same rule set',
    baselineValue: js,
    target: 'reported',
    met: null,
  })
  await verifyLimits(c)
  const op = (await didWithUpdates(1)).ops[1]!
  const check = await rate(n * 5, () => decodeOperation(op.bytes))
  c.record({
    name: 'decodeOperation (size, JCS, shape, signature)',
    value: check,
    unit: 'ops/s',
    baseline: 'native Ed25519 verify alone',
    baselineValue: native,
    target: 'reported',
    met: null,
  })
}

const modules: [string, (c: BenchContext) => Promise<void>][] = [
  ['basics', basicsBench],
  ['role', roleCheckBench],
  ['resolve', resolveBench],
  ['growth', growthBench],
  ['anchor', anchorBench],
  ['gas', gasBench],
  ['anvil', anvilBench],
  ['flood', floodBench],
  ['http', httpBench],
]
for (const [name, run] of modules) {
  if (only && !only.has(name)) continue
  const t = performance.now()
  process.stderr.write(`${name}…\n`)
  await run(ctx)
  process.stderr.write(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s\n`)
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
}
const seconds = Math.round((performance.now() - started) / 1000)
const fmt = (x: number) => x.toLocaleString('en')
console.log(
  `\ngrid-did benchmarks${quick ? ' (--quick)' : ''}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${seconds} s\n`,
)
console.log('| benchmark | value | baseline (same run) | baseline value | ratio | target | met |')
console.log('|---|---:|---|---:|---:|---|:-:|')
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline} | ${fmt(r.baselineValue)} ${r.unit} | ${r.ratio}× | ${r.target} | ${r.met === null ? '–' : r.met ? 'yes' : '**no**'} |`,
  )
}
const file = join(import.meta.dirname, 'results.json')
writeFileSync(file, `${JSON.stringify({ machine, quick, date: new Date().toISOString(), seconds, rows }, null, 2)}\n`)
console.log(`\nwrote bench/results.json (${rows.filter((r) => r.met === false).length} target(s) missed)`)
