/**
 * Log floods (issue 12, item 5): what junk versions of the utility's `trust-registry` resource cost a
 * cold role check. Any key may anchor a version (readers skip it), so a flood is cheap to make; a
 * reader must still verify each junk version once, but holds one page of them at a time.
 *
 * Each measurement runs in a fresh child process (this file with MEASURE_FLAG) on the same store:
 * a new resolver (no cache, no checkpoints), one `checkRole`, its wall time and the growth of the
 * process's peak resident memory (maxRSS after the check − before it). Peak RSS includes garbage
 * the collector has not reclaimed yet, so one more child measures what the check holds live: a
 * timer collects garbage and reads heap + external memory whenever the check yields (between reads),
 * and keeps the largest figure seen.
 * First with no junk, then after anchoring the junk versions (about 60 KB each, near the 64 KiB
 * resource limit).
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  Ed25519KeyPair,
  GridResolver,
  MemoryStatusIndexStore,
  StatusRegistry,
  checkRole,
  createPresentation,
  decodeOperation,
  issueRoleCredential,
  publishResource,
  publishRoleSchemas,
  publishTrustRegistry,
  trustRegistryUrl,
} from '../src/index.js'
import { SqliteLedger } from '../src/ledger/sqlite.js'
import { medianMs, newParty, type BenchContext } from './lib.js'

const MEASURE_FLAG = '--flood-measure'
const PAD = 60_000
const RUNS = 3

interface MeasureRequest {
  path: string
  vp: string
  trustRegistry: string
  audience: string
  challenge: string
  time: number
  height: number
}

interface Measured {
  ms: number
  rssMb: number
  /** Largest live heap + external memory during the check, above the level before it (only with `live`). */
  liveMb: number
  allowed: boolean
}

/** Cold role check with and without junk versions of the trust registry; records four rows. */
export async function floodBench(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-bench-flood-'))
  try {
    const path = join(dir, 'ledger.db')
    const ledger = new SqliteLedger(path, { create: true })
    const resolver = new GridResolver({ networks: { sgcc: ledger } })
    const party = () => newParty(ledger)
    const utility = await party()
    const schemas = await publishRoleSchemas({ did: utility.did, signer: utility.signer }, { ledger, resolver })
    const registry = await publishTrustRegistry(
      { did: utility.did, signer: utility.signer },
      { ledger, resolver },
      { roles: { user: { issuers: [utility.did], schema: schemas.user } } },
    )
    const status = new StatusRegistry({ did: utility.did, signer: utility.signer, ledger, resolver, store: new MemoryStatusIndexStore() })
    const user = await party()
    const credential = await issueRoleCredential({
      issuer: utility,
      role: 'user',
      subject: user.did,
      schema: schemas.user,
      status,
      validUntil: new Date(Date.now() + 365 * 86_400_000),
      claims: {
        accountNumber: '3301060001',
        meterIds: ['M-330106-01'],
        voltageLevel: '10kV',
        contractedCapacityKva: 800,
        region: '330106',
      },
    })
    const audience = `${utility.did}#response-contract`
    const challenge = 'bench-flood-0001'
    const vp = await createPresentation({ holder: user, credentials: [credential], audience, challenge })
    const request = async (): Promise<MeasureRequest> => ({
      path,
      vp,
      trustRegistry: trustRegistryUrl(utility.did),
      audience,
      challenge,
      time: Math.floor(Date.now() / 1000),
      height: (await ledger.head()).height,
    })
    const clean = await measure(await request())

    // The flood: versions signed by a stranger's key, each naming the registry's version as prev.
    const stranger = Ed25519KeyPair.generate()
    const n = Math.round(1500 * ctx.scale)
    const junk: Uint8Array[] = []
    for (let i = 0; i < n; i++) {
      const op = await publishResource({
        did: utility.did,
        resourceId: 'trust-registry',
        resourceType: registry.resourceType,
        content: { junk: i, pad: 'x'.repeat(PAD) },
        prev: registry.cid,
        signer: stranger,
      })
      junk.push(op.bytes)
      if (junk.length === 100 || i === n - 1) await ledger.submit(junk.splice(0))
    }
    const flooded = await measure(await request())
    if (!clean.allowed || !flooded.allowed) throw new Error('the benchmark presentation is denied')
    // The floor: verifying one junk version once (decode, canonical form, signature).
    const sample = await publishResource({
      did: utility.did,
      resourceId: 'trust-registry',
      resourceType: registry.resourceType,
      content: { junk: -1, pad: 'x'.repeat(PAD) },
      prev: registry.cid,
      signer: stranger,
    })
    const verifyMs = await medianMs(200, () => decodeOperation(sample.bytes))
    await ledger.close()

    const perJunkMs = (flooded.ms - clean.ms) / n
    const perJunkKb = ((flooded.rssMb - clean.rssMb) * 1024) / n
    const livePerJunkKb = ((flooded.liveMb - clean.liveMb) * 1024) / n
    ctx.log(
      `flood: ${n} junk versions of ${sample.bytes.length} bytes; cold check ${clean.ms.toFixed(1)} → ${flooded.ms.toFixed(1)} ms, ` +
        `peak RSS growth ${clean.rssMb.toFixed(1)} → ${flooded.rssMb.toFixed(1)} MB, peak live memory ${clean.liveMb.toFixed(1)} → ${flooded.liveMb.toFixed(1)} MB`,
    )
    ctx.record({
      name: `cold role check, ${n.toLocaleString('en')} junk trust-registry versions`,
      value: flooded.ms,
      unit: 'ms',
      baseline: 'the same cold check, no junk',
      baselineValue: clean.ms,
      target: 'reported',
      met: null,
    })
    ctx.record({
      name: 'cold role check: time per junk version',
      value: perJunkMs * 1000,
      unit: 'µs',
      baseline: 'decodeOperation of one junk version (the floor)',
      baselineValue: verifyMs * 1000,
      target: '≤ 3× the floor',
      met: perJunkMs <= 3 * verifyMs,
    })
    const junkMb = (n * sample.bytes.length) / 2 ** 20
    ctx.record({
      name: `cold role check: peak RSS growth, ${n.toLocaleString('en')} junk versions`,
      value: flooded.rssMb,
      unit: 'MB',
      baseline: 'the same cold check, no junk',
      baselineValue: Math.max(clean.rssMb, 0.01),
      target: 'reported',
      met: null,
    })
    ctx.record({
      name: 'cold role check: peak RSS growth per junk version',
      value: perJunkKb,
      unit: 'KB',
      baseline: 'size of one junk version',
      baselineValue: sample.bytes.length / 1024,
      target: 'reported',
      met: null,
    })
    ctx.record({
      name: `cold role check: peak live memory, ${n.toLocaleString('en')} junk versions`,
      value: flooded.liveMb,
      unit: 'MB',
      baseline: 'the same cold check, no junk',
      baselineValue: Math.max(clean.liveMb, 0.01),
      target: `bounded: ≤ 32 MB whatever the junk (${Math.round(junkMb)} MB)`,
      met: flooded.liveMb <= 32,
    })
    ctx.record({
      name: 'cold role check: peak live memory per junk version',
      value: livePerJunkKb,
      unit: 'KB',
      baseline: 'size of one junk version',
      baselineValue: sample.bytes.length / 1024,
      target: 'reported',
      met: null,
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Median of RUNS fresh child processes, each doing one cold check, and one more for live memory. */
async function measure(request: MeasureRequest): Promise<Measured> {
  const runs: Measured[] = []
  for (let i = 0; i < RUNS; i++) runs.push(await measureInChild(request, false))
  const live = await measureInChild(request, true)
  const median = (pick: (m: Measured) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!
  return {
    ms: median((m) => m.ms),
    rssMb: median((m) => m.rssMb),
    liveMb: live.liveMb,
    allowed: live.allowed && runs.every((m) => m.allowed),
  }
}

function measureInChild(request: MeasureRequest, live: boolean): Promise<Measured> {
  const execArgv = ['--import', 'tsx', ...(live ? ['--expose-gc'] : [])]
  const child = fork(fileURLToPath(import.meta.url), [MEASURE_FLAG, ...(live ? ['live'] : [])], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise<Measured>((resolve, reject) => {
    let result: Measured | undefined
    child.on('message', (m: Measured | { error: string }) => {
      if ('error' in m) reject(new Error(`flood measurement failed: ${m.error}`))
      else result = m
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => (result ? resolve(result) : reject(new Error(`flood measurement exited with ${signal ?? code}`))))
    child.send(request)
  })
}

if (process.argv[2] === MEASURE_FLAG && process.send) {
  process.once('message', async (r: MeasureRequest) => {
    try {
      const ledger = new SqliteLedger(r.path, { readonly: true })
      const resolver = new GridResolver({ networks: { sgcc: ledger }, cache: false, checkpoints: false })
      // Everything but the check itself is loaded first: the figures are the check's alone.
      await ledger.head()
      const gc = process.argv[3] === 'live' ? (globalThis as { gc?: () => void }).gc : undefined
      const liveBytes = () => {
        gc!()
        const m = process.memoryUsage()
        return m.heapUsed + m.external
      }
      const base = gc ? liveBytes() : 0
      let peak = base
      const sampler = gc && setInterval(() => (peak = Math.max(peak, liveBytes())), 2)
      const before = process.resourceUsage().maxRSS
      const t = performance.now()
      const result = await checkRole(
        r.vp,
        { role: 'user', action: 'response.bid' },
        { resolver, trustRegistry: r.trustRegistry, audience: r.audience, challenge: r.challenge, time: r.time, height: r.height },
      )
      const ms = performance.now() - t
      const rssMb = (process.resourceUsage().maxRSS - before) / 1024
      if (sampler) clearInterval(sampler)
      await ledger.close()
      process.send!({ ms, rssMb, liveMb: (peak - base) / 2 ** 20, allowed: result.allowed } satisfies Measured, () => process.exit(0))
    } catch (err) {
      process.send!({ error: err instanceof Error ? err.message : String(err) }, () => process.exit(1))
    }
  })
}
