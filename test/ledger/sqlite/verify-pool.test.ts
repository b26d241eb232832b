import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { base58btc } from 'multiformats/bases/base58'
import { afterAll, describe, expect, it } from 'vitest'
import { LedgerClosedError, LedgerRejectedError, createDid, decodeOperation, type Receipt } from '../../../src/index.js'
import { operationFault } from '../../../src/method/operation.js'
import { runDeferredCheck, smallOrderEncodings } from '../../../src/lib/crypto.js'
import { canonicalize } from '../../../src/lib/jcs.js'
import { ed25519Kernel } from '../../../src/lib/ed25519-kernel.js'
import { admitBatch } from '../../../src/ledger/admit.js'
import { SqliteLedger } from '../../../src/ledger/sqlite.js'
import { VerifyPool } from '../../../src/ledger/sqlite/verify-pool.js'
import { decodeOperationDeferred } from '../../../src/method/decode-operation.js'
import { forge, key, vm } from '../../helpers.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'grid-did-pool-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const fresh = () => join(dir, `l${files++}.db`)
const CLOCK = () => 1_767_225_600

const multikey = (publicKey: Uint8Array) => base58btc.encode(Uint8Array.from([0xed, 0x01, ...publicKey]))

/** A well-formed (canonical, not small-order) encoding that is not a curve point. */
function offCurve(label: string): Uint8Array {
  const kernel = ed25519Kernel(undefined)
  for (let i = 0; ; i++) {
    const enc = Uint8Array.from(Buffer.from(`off curve ${label} ${i}`.padEnd(32, '.')).subarray(0, 32))
    enc[31]! &= 0x3f
    if (!kernel.decodes(enc)) return enc
  }
}

async function creates(count: number, label: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const op = await createDid({
      network: 'test',
      updateKey: key(`${label}-u${i}`),
      recoveryKey: key(`${label}-r${i}`),
      nonce: `n-${label}-${i}`.padEnd(16, '_'),
    })
    out.push(op.bytes)
  }
  return out
}

/** A batch with every kind of fault admission distinguishes, among valid creates. */
async function mixedBatch(): Promise<Uint8Array[]> {
  const valid = await creates(20, 'mixed')
  const signer = key('mixed-signer')
  const base = { type: 'create', network: 'test', document: {}, nonce: 'mixed-nonce-0001' }
  const parsed = JSON.parse(new TextDecoder().decode(valid[1]!)) as { sig: string }
  const badSig = new TextEncoder().encode(canonicalize({ ...parsed, sig: `${parsed.sig[0] === 'A' ? 'B' : 'A'}${parsed.sig.slice(1)}` }))
  return [
    ...valid.slice(0, 4),
    badSig,
    forge({ ...base, updateKey: signer.publicKeyMultibase, recoveryKey: multikey(offCurve('r')) }, signer),
    forge({ ...base, updateKey: signer.publicKeyMultibase, recoveryKey: multikey(Buffer.from(smallOrderEncodings[4]!, 'hex')) }, signer),
    forge({ ...base, updateKey: multikey(offCurve('u')), recoveryKey: signer.publicKeyMultibase }, signer),
    forge({ ...base, updateKey: key('other').publicKeyMultibase, recoveryKey: signer.publicKeyMultibase }, signer),
    forge(
      {
        ...base,
        updateKey: signer.publicKeyMultibase,
        recoveryKey: signer.publicKeyMultibase,
        document: { verificationMethods: [{ ...vm('k1', signer), publicKeyMultibase: multikey(offCurve('vm')) }] },
      },
      signer,
    ),
    new TextEncoder().encode('{"not":"an operation"}'),
    new TextEncoder().encode('{ "type": "create" }'),
    valid[2]!,
    ...valid.slice(4),
  ]
}

/** What the original admission says of each operation: decodeOperation, one by one. */
function reference(batch: Uint8Array[]): { index: number; reason: string; message: string }[] {
  return batch.flatMap((bytes, index) => {
    try {
      decodeOperation(bytes)
      return []
    } catch (err) {
      return [{ index, ...operationFault(err) }]
    }
  })
}

async function rejection(promise: Promise<unknown>): Promise<LedgerRejectedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(LedgerRejectedError)
  expect((err as LedgerRejectedError).code).toBe('ERR_GRID_LEDGER_REJECTED')
  return err as LedgerRejectedError
}

describe('VerifyPool (worker threads for admission)', () => {
  it('gives the verdicts of runDeferredCheck on valid and corrupted checks (differential)', async () => {
    const ops = await creates(40, 'diff')
    const checks = ops.map((bytes) => decodeOperationDeferred(bytes).check)
    const pool = new VerifyPool(2)
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat({ max: 39 }), fc.nat({ max: 4 }), fc.nat({ max: 511 })), { minLength: 16, maxLength: 60 }),
          async (picks) => {
            const batch = picks.map(([i, what, bit]) => {
              const c = checks[i]!
              const flip = (b: Uint8Array, at: number) => {
                const copy = Uint8Array.from(b)
                copy[(at >> 3) % copy.length]! ^= 1 << (at & 7)
                return copy
              }
              if (what === 1) return { ...c, signature: flip(c.signature, bit) }
              if (what === 2) return { ...c, message: flip(c.message, bit) }
              if (what === 3) return { ...c, points: c.points.map((p) => flip(p, bit & 255)) }
              return c
            })
            expect(await pool.run(batch)).toEqual(batch.map(runDeferredCheck))
          },
        ),
        { numRuns: 15 },
      )
      expect(pool.workers.length).toBe(2)
      expect(pool.recovered).toBe(0)
    } finally {
      await pool.close()
    }
  })

  it('a worker that dies with checks in hand loses none: they run on the calling thread, and the pool carries on', async () => {
    const checks = (await creates(30, 'crash')).map((bytes) => decodeOperationDeferred(bytes).check)
    checks[7] = { ...checks[7]!, message: new Uint8Array([1]) }
    const expected = checks.map(runDeferredCheck)
    expect(expected.filter((v) => !v)).toHaveLength(1)
    const pool = new VerifyPool(1)
    try {
      const answer = pool.run(checks)
      // The worker is still starting (it has not loaded its code): it cannot have answered yet.
      expect(pool.workers).toHaveLength(1)
      await pool.workers[0]!.terminate()
      expect(await answer).toEqual(expected)
      expect(pool.recovered).toBeGreaterThan(0)
      const again = await pool.run(checks)
      expect(again).toEqual(expected)
      expect(pool.workers).toHaveLength(1)
    } finally {
      await pool.close()
    }
  })

  it('refuses work once closed', async () => {
    const pool = new VerifyPool(1)
    await pool.close()
    const checks = (await creates(1, 'closed')).map((bytes) => decodeOperationDeferred(bytes).check)
    await expect(pool.run(checks)).rejects.toThrow('the verification pool is closed')
    expect(() => new VerifyPool(0)).toThrow(RangeError)
  })
})

describe('SqliteLedger admission on worker threads', () => {
  it('admits what the calling thread admits, with identical receipts', async () => {
    const batch = await creates(40, 'same')
    const [pooled, inline] = [
      new SqliteLedger(fresh(), { create: true, clock: CLOCK, verifyThreads: 2 }),
      new SqliteLedger(fresh(), { create: true, clock: CLOCK, verifyThreads: 0 }),
    ]
    const receipts: Receipt[][] = []
    for (const ledger of [pooled, inline]) {
      receipts.push([...(await ledger.submit(batch.slice(0, 20))), ...(await ledger.submit([...batch.slice(20), batch[3]!]))])
      await ledger.close()
    }
    expect(receipts[0]).toHaveLength(41)
    expect(receipts[0]).toEqual(receipts[1])
  })

  it('refuses a mixed batch with the same LedgerRejectedError listing as decodeOperation, and anchors nothing', async () => {
    const batch = await mixedBatch()
    const expected = reference(batch)
    expect(expected.map((r) => r.reason)).toEqual([
      'bad-signature',
      'malformed',
      'malformed',
      'malformed',
      'unauthorized',
      'malformed',
      'malformed',
      'non-canonical',
    ])
    for (const verifyThreads of [2, 0]) {
      const ledger = new SqliteLedger(fresh(), { create: true, verifyThreads })
      const err = await rejection(ledger.submit(batch))
      expect(err.rejected).toEqual(expected)
      expect(err.message).toBe(`batch refused: ${expected.length} invalid operation(s); first at index 4: ${expected[0]!.message}`)
      expect((await ledger.head()).height).toBe(0)
      await ledger.close()
    }
    // The adapters that admit on the calling thread (memory, EVM) list the same.
    let sync: unknown
    try {
      admitBatch(batch)
    } catch (e) {
      sync = e
    }
    expect((sync as LedgerRejectedError).rejected).toEqual(expected)
  })

  it('writes batches in the order submit was called, pooled or not', async () => {
    const ops = await creates(34, 'order')
    const ledger = new SqliteLedger(fresh(), { create: true, verifyThreads: 2 })
    const results = await Promise.all([ledger.submit(ops.slice(0, 32)), ledger.submit([ops[32]!]), ledger.submit([ops[33]!])])
    expect(results.map((r) => r[0]!.height)).toEqual([1, 2, 3])
    await ledger.close()
  })

  it('a submit still being verified when the ledger closes fails with LedgerClosedError and anchors nothing', async () => {
    const path = fresh()
    const ledger = new SqliteLedger(path, { create: true, verifyThreads: 2 })
    const pending = ledger.submit(await creates(20, 'closing')).then(
      () => undefined,
      (e: unknown) => e,
    )
    await ledger.close()
    const err = await pending
    expect(err).toBeInstanceOf(LedgerClosedError)
    expect((err as LedgerClosedError).code).toBe('ERR_GRID_LEDGER_CLOSED')
    const reopened = new SqliteLedger(path)
    expect((await reopened.head()).height).toBe(0)
    await reopened.close()
    expect(() => new SqliteLedger(fresh(), { create: true, verifyThreads: -1 })).toThrow(RangeError)
  })

  it.each(['mjs', 'cjs'])('works from the built package (%s): workers start, verify, and never keep the process alive', (ext) => {
    const script = join(dir, `run-${ext}.${ext}`)
    const load =
      ext === 'mjs'
        ? `const { SqliteLedger } = await import(${JSON.stringify(join(ROOT, 'dist/ledger/sqlite.js'))}); const g = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))})`
        : `const { SqliteLedger } = require(${JSON.stringify(join(ROOT, 'dist/ledger/sqlite.cjs'))}); const g = require(${JSON.stringify(join(ROOT, 'dist/index.cjs'))})`
    const body = `${load}
      const { readdirSync } = require('node:fs')
      const threads = () => readdirSync('/proc/self/task').length
      const before = threads()
      const ops = []
      for (let i = 0; i < 40; i++) ops.push(await g.createDid({ network: 'test', updateKey: g.Ed25519KeyPair.generate(), recoveryKey: g.Ed25519KeyPair.generate() }))
      const closing = new SqliteLedger(${JSON.stringify(fresh())}, { create: true, verifyThreads: 2 })
      const first = await closing.submit(ops.slice(0, 18))
      await closing.close()
      const open = new SqliteLedger(${JSON.stringify(fresh())}, { create: true, verifyThreads: 2 })
      const second = await open.submit(ops)
      // Left open on purpose: its idle workers must not keep the process alive.
      console.log(JSON.stringify({ first: first.length, second: second.length, workers: threads() - before }))`
    writeFileSync(
      script,
      ext === 'mjs'
        ? `import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n${body}\n`
        : `;(async () => {\n${body}\n})()\n`,
    )
    const out = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 }))
    expect(out.first).toBe(18)
    expect(out.second).toBe(40)
    expect(out.workers).toBeGreaterThanOrEqual(2)
  })
})
