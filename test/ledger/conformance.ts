/**
 * The ledger conformance suite: every adapter (memory, SQLite, the consortium EVM chain and its
 * SQLite index) must pass it unchanged. Heights are asserted relative to the head at the start of
 * each test: a chain has blocks (the registry's deployment) before its first batch.
 */
import { describe, expect, it } from 'vitest'
import {
  LedgerClosedError,
  LedgerRejectedError,
  LIMITS,
  merkleRoot,
  updateDid,
  foldOperations,
  readPages,
  type Ledger,
} from '../../src/index.js'
import { toHex } from '../../src/lib/bytes.js'
import { sha256 } from '../../src/lib/crypto.js'
import { forge, key, newDid } from '../helpers.js'

export interface LedgerUnderTest {
  ledger: Ledger
  /** Closes and reopens the same store (durable adapters only). */
  reopen?: () => Promise<Ledger>
  /**
   * A read-only adapter (`RemoteLedger`) is tested on its read half: the suite submits through
   * `writer` (the ledger it reads from), closed with it, and reads through `ledger`.
   */
  writer?: Pick<Ledger, 'submit' | 'close'>
}

/** `reader` for reads, `writer` for submissions: one ledger as the suite sees it. */
function writingThrough(reader: Ledger, writer: Pick<Ledger, 'submit' | 'close'>): Ledger {
  return {
    submit: (ops) => writer.submit(ops),
    read: (suffix, options) => reader.read(suffix, options),
    head: () => reader.head(),
    batch: (height) => reader.batch(height),
    close: async () => {
      await reader.close()
      await writer.close()
    },
  }
}

/**
 * Opens a fresh ledger whose anchoring times follow `clock` (a chain harness sets each block's
 * timestamp from it).
 */
export type OpenLedger = (clock: () => number) => Promise<LedgerUnderTest>

export interface ConformanceOptions {
  /** The adapter is durable: `open` returns `reopen`, and the persistence test runs. */
  durable?: boolean
  /**
   * Anchoring time comes from the chain's blocks, not from a clock the adapter reads: the tests of
   * the adapter's own clock handling do not apply, and the empty ledger's head is the chain's.
   */
  chainTime?: boolean
}

async function chain(n: number, label = 'c') {
  const d = await newDid(label)
  const ops = [d.create]
  let state = foldOperations(d.create.did, [{ bytes: d.create.bytes, height: 1, position: 0, time: 0 }]).state!
  for (let i = 0; i < n; i++) {
    const up = await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${i}.example`] }] })
    ops.push(up)
    state = foldOperations(
      d.create.did,
      ops.map((o, h) => ({ bytes: o.bytes, height: h + 1, position: 0, time: 0 })),
    ).state!
  }
  return { ...d, ops }
}

export function ledgerConformance(name: string, openUnder: OpenLedger, options: ConformanceOptions = {}): void {
  const open: OpenLedger = async (clock) => {
    const under = await openUnder(clock)
    return under.writer ? { ...under, ledger: writingThrough(under.ledger, under.writer) } : under
  }
  describe(`ledger conformance: ${name}`, () => {
    let now = 1_767_225_600
    const clock = () => now

    it('starts empty', async () => {
      const { ledger } = await open(clock)
      const head = await ledger.head()
      if (!options.chainTime) expect(head).toEqual({ height: 0, time: 0, finalizedHeight: 0 })
      expect(head.finalizedHeight).toBe(head.height)
      expect(await ledger.read('a'.repeat(52))).toEqual([])
      expect(await ledger.batch(head.height)).toBeUndefined()
      expect(await ledger.batch(head.height + 1)).toBeUndefined()
      await ledger.close()
    })

    it('anchors a batch: one height, positions in order, one time, the Merkle root of the operation hashes', async () => {
      const { ledger } = await open(clock)
      const h = (await ledger.head()).height + 1
      const a = await newDid('a')
      const b = await newDid('b')
      const c = await newDid('c')
      const receipts = await ledger.submit([a.create, b.create.bytes, c.create])
      expect(receipts.map((r) => [r.height, r.position, r.did, r.cid])).toEqual([
        [h, 0, a.create.did, a.create.cid],
        [h, 1, b.create.did, b.create.cid],
        [h, 2, c.create.did, c.create.cid],
      ])
      const root = toHex(merkleRoot([a, b, c].map((d) => sha256(d.create.bytes))))
      expect(receipts.every((r) => r.batchRoot === root && r.time === now)).toBe(true)
      expect(await ledger.batch(h)).toEqual({ height: h, time: now, root, operations: [a.create.cid, b.create.cid, c.create.cid] })
      expect(await ledger.head()).toEqual({ height: h, time: now, finalizedHeight: h })
      await ledger.close()
    })

    it('reads one DID in ledger order with byte-identical operations, and nothing of other DIDs', async () => {
      const { ledger } = await open(clock)
      const h0 = (await ledger.head()).height
      const x = await chain(3, 'x')
      const y = await chain(2, 'y')
      // Interleave the two DIDs across batches.
      await ledger.submit([x.ops[0]!, y.ops[0]!])
      await ledger.submit([y.ops[1]!, x.ops[1]!, x.ops[2]!])
      await ledger.submit([x.ops[3]!, y.ops[2]!])
      const read = await ledger.read(x.create.suffix)
      expect(read.map((r) => [r.height - h0, r.position])).toEqual([
        [1, 0],
        [2, 1],
        [2, 2],
        [3, 0],
      ])
      expect(read.map((r) => toHex(r.bytes))).toEqual(x.ops.map((o) => toHex(o.bytes)))
      expect((await ledger.read(y.create.suffix)).length).toBe(3)
      await ledger.close()
    })

    it('filters reads by afterHeight, untilHeight and untilTime', async () => {
      const { ledger } = await open(clock)
      const h0 = (await ledger.head()).height
      const x = await chain(3, 'f')
      const start = now
      for (const op of x.ops) {
        await ledger.submit([op])
        now += 60
      }
      const heights = async (o: { afterHeight?: number; untilHeight?: number; untilTime?: number }) =>
        (
          await ledger.read(x.create.suffix, {
            ...o,
            ...(o.afterHeight === undefined ? {} : { afterHeight: o.afterHeight + h0 }),
            ...(o.untilHeight === undefined ? {} : { untilHeight: o.untilHeight + h0 }),
          })
        ).map((r) => r.height - h0)
      expect(await heights({ afterHeight: 2 })).toEqual([3, 4])
      expect(await heights({ untilHeight: 2 })).toEqual([1, 2])
      expect(await heights({ afterHeight: 1, untilHeight: 3 })).toEqual([2, 3])
      expect(await heights({ untilTime: start + 60 })).toEqual([1, 2])
      expect(await heights({ untilTime: start - 1 })).toEqual([])
      expect((await ledger.read(x.create.suffix)).map((r) => r.time)).toEqual([start, start + 60, start + 120, start + 180])
      await expect(ledger.read(x.create.suffix, { afterHeight: -1 })).rejects.toThrow(RangeError)
      await expect(ledger.read(x.create.suffix, { untilHeight: 1.5 })).rejects.toThrow(/untilHeight must be a non-negative integer/)
      await expect(ledger.read(42 as never)).rejects.toThrow(TypeError)
      expect(await ledger.read(`${'a'.repeat(51)}b`)).toEqual([])
      await expect(ledger.batch(1.5)).rejects.toThrow(RangeError)
      expect(await ledger.batch(0)).toBeUndefined()
      await ledger.close()
    })

    it('reads a log page by page: ledger order, cursors across pages and inside batches, with the range bounds', async () => {
      const { ledger } = await open(clock)
      const h0 = (await ledger.head()).height
      const x = await chain(6, 'p')
      const y = await chain(1, 'q')
      const start = now
      // Relative heights 1..4: [x0], [x1, y0, x2], [x3, x4], [y1, x5, x6].
      for (const batch of [[x.ops[0]!], [x.ops[1]!, y.ops[0]!, x.ops[2]!], [x.ops[3]!, x.ops[4]!], [y.ops[1]!, x.ops[5]!, x.ops[6]!]]) {
        await ledger.submit(batch)
        now += 60
      }
      const suffix = x.create.suffix
      const at = (ops: { height: number; position: number }[]) => ops.map((r) => [r.height - h0, r.position])
      const cursor = (height: number, position: number) => ({ height: height + h0, position })
      expect(at(await ledger.read(suffix))).toEqual([
        [1, 0],
        [2, 0],
        [2, 2],
        [3, 0],
        [3, 1],
        [4, 1],
        [4, 2],
      ])
      // Every page size, walking with the cursor of the last operation, gives the whole log once.
      for (const limit of [1, 2, 3, 7, 8]) {
        const pages: Awaited<ReturnType<Ledger['read']>>[] = []
        let after: { height: number; position: number } | undefined
        // Bounded, so that a ledger ignoring `limit` or `after` fails here instead of looping.
        for (let i = 0; i <= x.ops.length; i++) {
          const page = await ledger.read(suffix, { limit, ...(after ? { after } : {}) })
          pages.push(page)
          if (page.length < limit) break
          const last = page.at(-1)!
          after = { height: last.height, position: last.position }
        }
        expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true)
        expect(pages.flat().map((r) => toHex(r.bytes))).toEqual(x.ops.map((o) => toHex(o.bytes)))
      }
      // A cursor inside a batch, and one on another key's position.
      expect(at(await ledger.read(suffix, { after: cursor(2, 0), limit: 2 }))).toEqual([
        [2, 2],
        [3, 0],
      ])
      expect(at(await ledger.read(suffix, { after: cursor(2, 1), limit: 1 }))).toEqual([[2, 2]])
      expect(at(await ledger.read(suffix, { after: cursor(4, 2), limit: 5 }))).toEqual([])
      // The range bounds hold on every page.
      expect(at(await ledger.read(suffix, { untilHeight: 3 + h0, after: cursor(2, 2), limit: 5 }))).toEqual([
        [3, 0],
        [3, 1],
      ])
      expect(at(await ledger.read(suffix, { untilHeight: 3 + h0, limit: 2 }))).toEqual([
        [1, 0],
        [2, 0],
      ])
      expect(at(await ledger.read(suffix, { untilTime: start + 60, limit: 2 }))).toEqual([
        [1, 0],
        [2, 0],
      ])
      expect(at(await ledger.read(suffix, { untilTime: start + 60, after: cursor(2, 0), limit: 2 }))).toEqual([[2, 2]])
      expect(at(await ledger.read(suffix, { afterHeight: 2 + h0, limit: 1 }))).toEqual([[3, 0]])
      expect(at(await ledger.read(suffix, { afterHeight: 3 + h0, after: cursor(1, 0), limit: 10 }))).toEqual([
        [4, 1],
        [4, 2],
      ])
      // readPages walks them all, one bounded page at a time.
      const sizes: number[] = []
      const paged: { height: number; position: number }[] = []
      for await (const page of readPages(ledger, suffix, { untilHeight: 3 + h0 }, 2)) {
        sizes.push(page.length)
        paged.push(...page)
      }
      expect(sizes).toEqual([2, 2, 1])
      expect(at(paged)).toEqual([
        [1, 0],
        [2, 0],
        [2, 2],
        [3, 0],
        [3, 1],
      ])
      await expect(ledger.read(suffix, { limit: 0 })).rejects.toThrow(RangeError)
      await expect(ledger.read(suffix, { limit: 1.5 })).rejects.toThrow(/limit must be a positive integer/)
      await expect(ledger.read(suffix, { after: { height: -1, position: 0 } })).rejects.toThrow(
        /after.height must be a non-negative integer/,
      )
      await expect(ledger.read(suffix, { after: 'x' as never })).rejects.toThrow(TypeError)
      await ledger.close()
    })

    if (!options.chainTime)
      it('never lets time go backwards', async () => {
        const { ledger } = await open(clock)
        const a = await newDid('t1')
        const b = await newDid('t2')
        await ledger.submit([a.create])
        now -= 1000
        const [r] = await ledger.submit([b.create])
        now += 1000
        expect(r!.time).toBe((await ledger.batch(r!.height - 1))!.time)
        await ledger.close()
      })

    if (!options.chainTime)
      it('refuses a clock outside 1970..9999 (e.g. milliseconds by mistake) without anchoring', async () => {
        const { ledger } = await open(() => Date.now())
        await expect(ledger.submit([(await newDid('ms')).create])).rejects.toThrow(RangeError)
        await expect(ledger.submit([(await newDid('ms')).create])).rejects.toThrow(/Unix seconds between 1970 and 9999/)
        expect((await ledger.head()).height).toBe(0)
        await ledger.close()
      })

    it('is idempotent: re-submitting anchored operations returns their original receipts', async () => {
      const { ledger } = await open(clock)
      const h0 = (await ledger.head()).height
      const a = await newDid('i1')
      const b = await newDid('i2')
      const [first] = await ledger.submit([a.create])
      now += 10
      const again = await ledger.submit([a.create, b.create, a.create])
      expect(again[0]).toEqual(first)
      expect(again[2]).toEqual(first)
      expect(again[1]!.height).toBe(h0 + 2)
      expect(again[1]!.position).toBe(0)
      expect((await ledger.batch(h0 + 2))!.operations).toEqual([b.create.cid])
      // A batch of only known operations anchors nothing.
      expect(await ledger.submit([b.create])).toEqual([again[1]])
      expect((await ledger.head()).height).toBe(h0 + 2)
      expect(await ledger.read(a.create.suffix)).toHaveLength(1)
      await ledger.close()
    })

    it('refuses a batch with any invalid operation, atomically, naming each one', async () => {
      const { ledger } = await open(clock)
      const before = await ledger.head()
      const a = await newDid('r1')
      const forged = forge({ type: 'deactivate', did: a.create.did, prev: a.create.cid }, key('r1-update'))
      const tampered = forged.slice()
      tampered[tampered.length - 5] ^= 1
      let caught: unknown
      try {
        await ledger.submit([a.create, tampered, new TextEncoder().encode('{}'), new Uint8Array(LIMITS.resourceBytes + 1)])
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(LedgerRejectedError)
      const err = caught as LedgerRejectedError
      expect(err.code).toBe('ERR_GRID_LEDGER_REJECTED')
      expect(err.rejected.map((r) => [r.index, r.reason])).toEqual([
        [1, expect.stringMatching(/bad-signature|malformed/)],
        [2, 'malformed'],
        [3, 'oversized'],
      ])
      expect(err.message).toMatch(/3 invalid operation\(s\); first at index 1/)
      expect(await ledger.head()).toEqual(before)
      expect(await ledger.read(a.create.suffix)).toEqual([])
      await ledger.close()
    })

    it('refuses empty, oversized and ill-typed batches', async () => {
      const { ledger } = await open(clock)
      const before = await ledger.head()
      await expect(ledger.submit([])).rejects.toThrow(RangeError)
      await expect(ledger.submit([])).rejects.toThrow(/must not be empty/)
      await expect(ledger.submit(new Array(LIMITS.batchOperations + 1).fill(new Uint8Array(1)))).rejects.toThrow(/at most 10000/)
      await expect(ledger.submit(['x' as never])).rejects.toThrow(TypeError)
      await expect(ledger.submit('x' as never)).rejects.toThrow(TypeError)
      expect(await ledger.head()).toEqual(before)
      await ledger.close()
    })

    it('keeps its own copy of submitted bytes', async () => {
      const { ledger } = await open(clock)
      const a = await newDid('copy')
      const bytes = a.create.bytes.slice()
      await ledger.submit([bytes])
      bytes.fill(0)
      const [read] = await ledger.read(a.create.suffix)
      expect(toHex(read!.bytes)).toBe(toHex(a.create.bytes))
      read!.bytes.fill(0)
      expect(toHex((await ledger.read(a.create.suffix))[0]!.bytes)).toBe(toHex(a.create.bytes))
      await ledger.close()
    })

    it('fails every call after close with ERR_GRID_LEDGER_CLOSED', async () => {
      const { ledger } = await open(clock)
      await ledger.close()
      for (const call of [
        () => ledger.head(),
        () => ledger.read('a'.repeat(52)),
        () => ledger.submit([new Uint8Array(1)]),
        () => ledger.batch(1),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(LedgerClosedError)
        await expect(call()).rejects.toMatchObject({ code: 'ERR_GRID_LEDGER_CLOSED' })
      }
    })

    if (options.durable)
      it('keeps everything across a reopen', async () => {
        const under = await open(clock)
        const h0 = (await under.ledger.head()).height
        expect(under.reopen).toBeTypeOf('function')
        const x = await chain(2, 'p')
        const receipts = []
        for (const op of x.ops) receipts.push(...(await under.ledger.submit([op])))
        const ledger = await under.reopen!()
        expect(await ledger.head()).toEqual({ height: h0 + 3, time: receipts[2]!.time, finalizedHeight: h0 + 3 })
        expect((await ledger.read(x.create.suffix)).map((r) => toHex(r.bytes))).toEqual(x.ops.map((o) => toHex(o.bytes)))
        expect(await ledger.submit([x.ops[1]!])).toEqual([receipts[1]])
        await ledger.close()
      })
  })
}
