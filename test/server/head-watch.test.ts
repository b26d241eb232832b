/**
 * The endpoint keeps each network's finalized head between reads (spec §HTTP(S) binding, caching):
 * an answer names the head it was computed at and is never older than that head; an anchor made
 * through this process's ledger shows on the next request; one made elsewhere once the kept head is
 * `headTtlMs` old (or at once with `headTtlMs: 0`). No timing: the watch's clock is the test's.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GridResolver, MemoryLedger, UnknownNetworkError, deactivateDid, updateDid } from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'
import { devRegistry } from '../ledger/evm-harness.js'
import { HeadWatch } from '../../src/server/head-watch.js'
import { createHandler, serve } from '../../src/server/node.js'
import { newDid } from '../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-head-watch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** A SQLite store with one DID, a second connection to the same file (another writer), and an update maker. */
async function store() {
  const path = join(dir, `ledger-${files++}.db`)
  const ledger = new SqliteLedger(path, { create: true })
  const d = await newDid(`hw-${files}`)
  await ledger.submit([d.create])
  const resolver = new GridResolver({ networks: { test: ledger } })
  let n = 0
  const update = async () =>
    (
      await updateDid(await new GridResolver({ networks: { test: ledger }, cache: false }).resolveState(d.create.did), d.update, {
        patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${++n}.example`] }],
      })
    ).bytes
  return { path, ledger, resolver, did: d.create.did, update, elsewhere: () => new SqliteLedger(path) }
}

async function get(url: string, did: string): Promise<{ version: string; etag: string }> {
  const res = await fetch(`${url}/1.0/identifiers/${did}`, { headers: { accept: 'application/did-resolution' } })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { didDocumentMetadata: { versionId: string } }
  return { version: body.didDocumentMetadata.versionId, etag: res.headers.get('etag')! }
}

describe('the endpoint and new anchors', () => {
  it('an anchor through the ledger object of this process shows on the very next request, however long the head is kept', async () => {
    const s = await store()
    const server = await serve(createHandler({ resolver: s.resolver, headTtlMs: 3_600_000 }), { port: 0, log: false })
    try {
      expect(await get(server.url, s.did)).toEqual({ version: '1', etag: expect.stringMatching(/^"1-/) })
      expect(await get(server.url, s.did)).toEqual({ version: '1', etag: expect.stringMatching(/^"1-/) })
      await s.ledger.submit([await s.update()])
      expect(await get(server.url, s.did)).toEqual({ version: '2', etag: expect.stringMatching(/^"2-/) })
    } finally {
      await server.close()
      await s.ledger.close()
    }
  })

  it('the same holds for an endpoint straight on the chain: a deactivation through its EvmLedger shows on the next request', async () => {
    const dev = await devRegistry()
    const ledger = dev.ledger()
    const d = await newDid('hw-evm')
    await ledger.submit([d.create])
    const resolver = new GridResolver({ networks: { test: ledger } })
    const server = await serve(createHandler({ resolver, headTtlMs: 3_600_000 }), { port: 0, log: false })
    try {
      expect(await get(server.url, d.create.did)).toEqual({ version: '1', etag: expect.stringMatching(/^"\d+-/) })
      await ledger.submit([await deactivateDid({ did: d.create.did, recoveryHead: d.create.cid, deactivated: false }, d.recovery)])
      const res = await fetch(`${server.url}/1.0/identifiers/${encodeURIComponent(d.create.did)}`)
      const body = (await res.json()) as { didDocumentMetadata: { deactivated?: boolean } }
      expect(body.didDocumentMetadata.deactivated).toBe(true)
    } finally {
      await server.close()
      await dev.close()
    }
  })

  it("another writer's anchor: within headTtlMs the answer stays the one of the head it names; with 0, the next request shows it", async () => {
    const s = await store()
    const kept = await serve(createHandler({ resolver: s.resolver, headTtlMs: 3_600_000 }), { port: 0, log: false })
    const exact = await serve(createHandler({ resolver: s.resolver, headTtlMs: 0 }), { port: 0, log: false })
    const other = s.elsewhere()
    try {
      expect(await get(kept.url, s.did)).toEqual({ version: '1', etag: expect.stringMatching(/^"1-/) })
      await other.submit([await s.update()])
      // Never older than the head it names: version 1 is the answer at height 1, and it says height 1.
      expect(await get(kept.url, s.did)).toEqual({ version: '1', etag: expect.stringMatching(/^"1-/) })
      expect(await get(exact.url, s.did)).toEqual({ version: '2', etag: expect.stringMatching(/^"2-/) })
    } finally {
      await Promise.all([kept.close(), exact.close()])
      await other.close()
      await s.ledger.close()
    }
  })
})

/** A memory ledger that counts head reads (the real ledger underneath). */
class Counting extends MemoryLedger {
  reads = 0
  override async head() {
    this.reads++
    return super.head()
  }
}

describe('HeadWatch', () => {
  it('reads the head again once the kept one is ttl old on its clock, and after each anchor of its ledger', async () => {
    const ledger = new Counting()
    const d = await newDid('hw-clock')
    await ledger.submit([d.create])
    let now = 1_000
    const watch = new HeadWatch(new GridResolver({ networks: { test: ledger } }), 100, () => now)
    expect(await watch.finalized('test')).toBe(1)
    expect(ledger.reads).toBe(1)
    now += 99
    expect(await watch.finalized('test')).toBe(1)
    expect(ledger.reads).toBe(1)
    now += 1
    expect(await watch.finalized('test')).toBe(1)
    expect(ledger.reads).toBe(2)
    await ledger.submit([(await newDid('hw-clock-2')).create])
    expect(await watch.finalized('test')).toBe(2)
    expect(ledger.reads).toBe(3)
  })

  it('requests share one read; one that arrives after an anchor does not share a read begun before it', async () => {
    const ledger = new Counting()
    await ledger.submit([(await newDid('hw-share')).create])
    const watch = new HeadWatch(new GridResolver({ networks: { test: ledger } }), 3_600_000, () => 0)
    const [a, b] = [watch.finalized('test'), watch.finalized('test')]
    expect(a).toBe(b)
    await ledger.submit([(await newDid('hw-share-2')).create]) // while that read is pending
    const c = watch.finalized('test')
    expect(c).not.toBe(a)
    expect(await c).toBe(2)
    expect(ledger.reads).toBe(2)
    expect(await watch.finalized('test')).toBe(2)
    expect(ledger.reads).toBe(2)
  })

  it('rejects for a network the resolver does not serve, and refuses a ttl that is not a non-negative integer', async () => {
    const resolver = new GridResolver({ networks: { test: new MemoryLedger() } })
    await expect(new HeadWatch(resolver, 25).finalized('other')).rejects.toThrow(UnknownNetworkError)
    await expect(new HeadWatch(resolver, 25).finalized('other')).rejects.toMatchObject({ code: 'ERR_GRID_UNKNOWN_NETWORK' })
    expect(() => new HeadWatch(resolver, -1)).toThrow(new RangeError('options.headTtlMs must be a non-negative integer'))
    expect(() => new HeadWatch(resolver, 0.5)).toThrow(RangeError)
  })
})
