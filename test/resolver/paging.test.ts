/**
 * Log floods: a resolver reads a key's log page by page and folds it as it goes, so what it holds at
 * once is bounded by the page size, not by the log's length. Proved by counting, not by timing: a
 * ledger wrapper records how many operations each read hands over.
 */
import { describe, expect, it } from 'vitest'
import {
  GridResolver,
  MemoryLedger,
  READ_PAGE_SIZE,
  publishResource,
  readPages,
  resourceSuffix,
  updateDid,
  type AnchoredOperation,
  type Ledger,
  type ReadOptions,
  type Submittable,
} from '../../src/index.js'
import { LedgerCorruptError } from '../../src/errors.js'
import { expectRejects, forge, key, newDid } from '../helpers.js'

/** A real MemoryLedger that records every read: how many operations each one handed over. */
class CountingLedger implements Ledger {
  calls = 0
  most = 0
  total = 0
  unbounded = 0
  constructor(readonly inner: Ledger) {}
  submit(ops: readonly Submittable[]) {
    return this.inner.submit(ops)
  }
  async read(suffix: string, options?: ReadOptions): Promise<AnchoredOperation[]> {
    const got = await this.inner.read(suffix, options)
    this.calls++
    this.total += got.length
    this.most = Math.max(this.most, got.length)
    if (options?.limit === undefined) this.unbounded++
    return got
  }
  head() {
    return this.inner.head()
  }
  batch(height: number) {
    return this.inner.batch(height)
  }
  close() {
    return this.inner.close()
  }
  reset() {
    this.calls = this.most = this.total = this.unbounded = 0
  }
}

const JUNK_VERSIONS = 2_000
const JUNK_UPDATES = 500

describe('a flooded log', () => {
  it('resolves with at most one page of operations handed over (and held) at once, whatever the log length', async () => {
    let now = 1_767_225_600
    const ledger = new CountingLedger(new MemoryLedger({ clock: () => (now += 60) }))
    const d = await newDid('flood')
    const did = d.create.did
    await ledger.submit([d.create])
    const content = { type: 'GridTrustRegistry', roles: {} }
    const v1 = await publishResource({ did, resourceId: 'trust-registry', resourceType: 'GridTrustRegistry', content, signer: d.signing })
    await ledger.submit([v1])
    // Junk: versions any key may sign (readers skip them), and DID updates by a stranger's key.
    const stranger = key('flood-stranger')
    const junk: Uint8Array[] = []
    for (let i = 0; i < JUNK_VERSIONS; i++) {
      junk.push(
        forge(
          { type: 'resource', did, resourceId: 'trust-registry', resourceType: 'GridTrustRegistry', content: { junk: i }, prev: v1.cid },
          stranger,
        ),
      )
    }
    for (let i = 0; i < JUNK_UPDATES; i++)
      junk.push(
        forge(
          {
            type: 'update',
            did,
            prev: d.create.cid,
            patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://junk${i}.example`] }],
          },
          stranger,
        ),
      )
    for (let i = 0; i < junk.length; i += 500) await ledger.submit(junk.slice(i, i + 500))
    const state = { did, head: d.create.cid, deactivated: false }
    const up = await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://flood.example'] }] })
    const v2 = await publishResource({
      did,
      resourceId: 'trust-registry',
      resourceType: 'GridTrustRegistry',
      content: { ...content, v: 2 },
      prev: v1.cid,
      signer: d.signing,
    })
    await ledger.submit([up, v2])

    const resolver = new GridResolver({ networks: { test: ledger }, cache: false, checkpoints: false })
    ledger.reset()
    const latest = await resolver.resolve(did)
    expect(latest.didDocument?.alsoKnownAs).toEqual(['https://flood.example'])
    expect(latest.didDocumentMetadata.versionId).toBe('2')
    const first = await resolver.resolve(did, { versionId: 1 })
    expect(first.didDocument?.alsoKnownAs).toBeUndefined()
    const resource = await resolver.resolveResource(`${did}/resources/trust-registry`)
    expect(resource.version).toMatchObject({ versionId: 2, cid: v2.cid })
    const old = await resolver.resolveResource(`${did}/resources/trust-registry?versionId=1`)
    expect(old.version.cid).toBe(v1.cid)
    const history = await resolver.history(did)
    expect(history.operations.filter((o) => !o.applied)).toHaveLength(JUNK_UPDATES)
    // Every read asked for one page, none handed over more, and the logs were read whole.
    expect(ledger.unbounded).toBe(0)
    expect(ledger.most).toBeLessThanOrEqual(READ_PAGE_SIZE)
    expect(ledger.calls).toBeGreaterThanOrEqual(Math.ceil((JUNK_VERSIONS + 2) / READ_PAGE_SIZE))
    expect(ledger.total).toBeGreaterThanOrEqual(JUNK_VERSIONS + JUNK_UPDATES)
    // A cached resolver extends its view by pages too.
    const cached = new GridResolver({ networks: { test: ledger } })
    ledger.reset()
    expect((await cached.resolveResource(`${did}/resources/trust-registry`)).version.cid).toBe(v2.cid)
    expect(ledger.most).toBeLessThanOrEqual(READ_PAGE_SIZE)
    expect(ledger.unbounded).toBe(0)
  })

  it('readPages refuses a ledger that ignores the cursor instead of reading it as the end of the log', async () => {
    const ledger = new MemoryLedger()
    const d = await newDid('cursorless')
    await ledger.submit([d.create])
    const ops = [] as Uint8Array[]
    for (let i = 0; i < 3; i++)
      ops.push(
        forge(
          { type: 'update', did: d.create.did, prev: d.create.cid, patches: [{ action: 'set-controller', controller: [] }] },
          key(`cursorless-${i}`),
        ),
      )
    await ledger.submit(ops)
    const ignoring = { read: (suffix: string, options?: ReadOptions) => ledger.read(suffix, { ...options, after: undefined }) }
    const pages = async () => {
      for await (const page of readPages(ignoring, d.create.suffix, {}, 2)) void page
    }
    await expectRejects(pages(), LedgerCorruptError, 'ERR_GRID_LEDGER_CORRUPT', /returned a full page of \S+ with nothing after the cursor/)
    // Ledgers that ignore `limit` give the whole rest at once: still read once, in order, no repeats.
    const seen: number[] = []
    for await (const page of readPages({ read: (s) => ledger.read(s) }, d.create.suffix, {}, 2)) seen.push(...page.map((o) => o.position))
    expect(seen).toEqual([0, 0, 1, 2])
    await expect(readPages(ledger, d.create.suffix, {}, 0).next()).rejects.toThrow(/pageSize must be a positive integer/)
    expect(resourceSuffix(d.create.did, 'x')).not.toBe(d.create.suffix)
  })
})
