import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { base32 } from 'multiformats/bases/base32'
import { afterAll, describe, expect, it } from 'vitest'
import {
  GridResolver,
  LedgerCorruptError,
  StatusRegistry,
  checkRole,
  createPresentation,
  publishRoleSchemas,
  trustRegistryUrl,
  updateDid,
} from '../../src/index.js'
import { ChainIndex, SqliteLedger } from '../../src/ledger/sqlite.js'
import type { EvmLedger } from '../../src/ledger/evm.js'
import { createHandler } from '../../src/server/handler.js'
import { World } from '../vc/world.js'
import { newDid } from '../helpers.js'

const root = mkdtempSync(join(tmpdir(), 'grid-did-damage-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshPath = () => join(root, `ledger-${n++}.db`)

/** Asserts `fn` throws a LedgerCorruptError (class and code) whose message matches `message`. */
async function expectCorrupt(fn: () => unknown, message: RegExp): Promise<void> {
  let caught: unknown
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(LedgerCorruptError)
  expect((caught as LedgerCorruptError).code).toBe('ERR_GRID_LEDGER_CORRUPT')
  expect((caught as Error).message).toMatch(message)
}

/** Pages of the `operations_by_did` index, from SQLite's own page map (the file must be closed). */
function indexPages(path: string): { pageno: number; pagetype: string }[] {
  const db = new Database(path)
  db.pragma('journal_mode = DELETE') // everything in the main file, nothing in a WAL
  const pages = db.prepare("SELECT pageno, pagetype FROM dbstat WHERE name = 'operations_by_did' ORDER BY pageno").all() as {
    pageno: number
    pagetype: string
  }[]
  const size = db.pragma('page_size', { simple: true }) as number
  db.close()
  expect(size).toBe(4096)
  return pages
}

function writePage(path: string, pageno: number, page: Buffer): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, page, 0, page.length, (pageno - 1) * 4096)
  closeSync(fd)
}

/**
 * Replaces the index's only page by a valid, empty index leaf (type 0x0a, no cells): the index
 * then holds no entry at all while the table keeps every row. What "zeroing an index page" does
 * to a small store; SQLite reads it without complaint.
 */
function emptyIndex(path: string): void {
  const pages = indexPages(path)
  expect(pages).toEqual([{ pageno: pages[0]!.pageno, pagetype: 'leaf' }])
  const page = Buffer.alloc(4096)
  page[0] = 0x0a
  page.writeUInt16BE(4096, 5) // cell content area starts at the end: no cells
  writePage(path, pages[0]!.pageno, page)
}

/**
 * Changes one byte of `suffix` in its index entry: the index keeps its shape and its number of
 * entries (so `PRAGMA quick_check` passes) but no longer finds the key's rows.
 */
function misdirectIndexEntry(path: string, suffix: string): void {
  const key = Buffer.from(base32.baseDecode(suffix))
  const file = readFileSync(path)
  let hits = 0
  for (const { pageno } of indexPages(path)) {
    const start = (pageno - 1) * 4096
    const at = file.subarray(start, start + 4096).indexOf(key)
    if (at < 0) continue
    hits++
    const page = Buffer.from(file.subarray(start, start + 4096))
    page[at + key.length - 1]! ^= 0x01
    writePage(path, pageno, page)
  }
  expect(hits).toBe(1)
}

describe('a damaged or foreign file at open', () => {
  it('a 0-byte file is corrupt unless the caller creates, and stays untouched', async () => {
    for (const readonly of [false, true]) {
      const path = freshPath()
      writeFileSync(path, '')
      await expectCorrupt(() => new SqliteLedger(path, { readonly }), /holds no ledger \(an empty or foreign file; pass \{ create: true \}/)
      expect(statSync(path).size).toBe(0)
    }
    const path = freshPath()
    writeFileSync(path, '')
    const created = new SqliteLedger(path, { create: true })
    expect(await created.head()).toEqual({ height: 0, time: 0, finalizedHeight: 0 })
    await created.close()
    const reopened = new SqliteLedger(path)
    expect((await reopened.head()).height).toBe(0)
    await reopened.close()
  })

  it('a SQLite file without the ledger schema is corrupt, even with create: true when it holds other tables', async () => {
    const path = freshPath()
    const db = new Database(path)
    db.exec('CREATE TABLE notes (text TEXT)')
    db.close()
    await expectCorrupt(() => new SqliteLedger(path), /has schema none/)
    await expectCorrupt(() => new SqliteLedger(path, { create: true }), /has schema none/)
  })

  it('a dropped table or index is reported, never silently recreated', async () => {
    for (const [drop, missing] of [
      ['DROP TABLE operations', 'operations, operations_by_did'],
      ['DROP INDEX operations_by_did', 'operations_by_did'],
      ['DROP TABLE key_heads', 'key_heads'],
      ['DROP TABLE checkpoints', 'checkpoints'],
    ] as const) {
      const path = freshPath()
      const ledger = new SqliteLedger(path, { create: true })
      await ledger.submit([(await newDid('drop')).create])
      await ledger.close()
      const db = new Database(path)
      db.exec(drop)
      db.close()
      for (const options of [{}, { create: true }, { readonly: true }]) {
        await expectCorrupt(() => new SqliteLedger(path, options), new RegExp(`is damaged: ${missing} missing`))
      }
      const after = new Database(path, { readonly: true })
      const names = (after.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string }[]).map(
        (r) => r.name,
      )
      after.close()
      for (const name of missing.split(', ')) expect(names, drop).not.toContain(name)
    }
  })

  it('an emptied index page fails the quick_check at open; with check: "schema", the first read of a key reports it', async () => {
    const path = freshPath()
    const ledger = new SqliteLedger(path, { create: true })
    const dids = await Promise.all([1, 2, 3].map((i) => newDid(`empty-${i}`)))
    for (const d of dids) await ledger.submit([d.create])
    expect(await ledger.read(dids[1]!.create.suffix)).toHaveLength(1)
    await ledger.close()
    emptyIndex(path)
    await expectCorrupt(() => new SqliteLedger(path), /failed SQLite's quick_check: wrong # of entries in index operations_by_did/)
    await expectCorrupt(() => new SqliteLedger(path, { readonly: true }), /quick_check/)
    const unchecked = new SqliteLedger(path, { check: 'schema' })
    await expectCorrupt(
      () => unchecked.read(dids[1]!.create.suffix),
      /index of \S+ disagrees with its records \(its last operation at 2:0 is missing\)/,
    )
    // A key never anchored is still simply absent.
    expect(await unchecked.read((await newDid('empty-never')).create.suffix)).toEqual([])
    await unchecked.close()
  })

  it('a chain index file gets the same checks: empty or schema-less is corrupt unless created, an emptied index fails the quick_check', async () => {
    const chain = {} as EvmLedger // never reached: the file is refused first
    const empty = freshPath()
    writeFileSync(empty, '')
    await expectCorrupt(() => new ChainIndex(empty, chain), /holds no ledger/)
    expect(statSync(empty).size).toBe(0)
    const foreign = freshPath()
    const db = new Database(foreign)
    db.exec('CREATE TABLE notes (text TEXT)')
    db.close()
    await expectCorrupt(() => new ChainIndex(foreign, chain, { create: true }), /has schema none/)
    const path = freshPath()
    const ledger = new SqliteLedger(path, { create: true })
    await ledger.submit([(await newDid('chain-index-damage')).create])
    await ledger.close()
    emptyIndex(path)
    await expectCorrupt(() => new ChainIndex(path, chain), /quick_check/)
  })

  it('validates the check option', () => {
    expect(() => new SqliteLedger(freshPath(), { create: true, check: 'full' as never })).toThrow(RangeError)
    expect(() => new SqliteLedger(freshPath(), { create: true, check: 'full' as never })).toThrow('check must be "quick" or "schema"')
  })
})

describe('rows and index that disagree after the quick_check passed', () => {
  it('a read of the damaged key is ERR_GRID_LEDGER_CORRUPT, from the start and from any height that covers its head', async () => {
    const path = freshPath()
    let now = 1_767_225_600
    const ledger = new SqliteLedger(path, { create: true, clock: () => (now += 60) })
    const d = await newDid('misdirect')
    const other = await newDid('misdirect-other')
    await ledger.submit([d.create, other.create])
    const state = await new GridResolver({ networks: { test: ledger } }).resolveState(d.create.did)
    await ledger.submit([
      await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://x.example'] }] }),
    ])
    await ledger.close()
    misdirectIndexEntry(path, other.create.suffix)

    const damaged = new SqliteLedger(path) // the quick_check passes: same shape, same counts
    await expectCorrupt(
      () => damaged.read(other.create.suffix),
      /index of \S+ disagrees with its records \(its last operation at 1:1 is missing\)/,
    )
    await expectCorrupt(() => damaged.read(other.create.suffix, { afterHeight: 0, untilHeight: 1 }), /last operation at 1:1 is missing/)
    // A range below the head (nothing to compare with) and the undamaged key still read.
    expect(await damaged.read(other.create.suffix, { untilTime: 0 })).toEqual([])
    expect(await damaged.read(d.create.suffix)).toHaveLength(2)
    // The full audit finds it too (SQLite's integrity_check compares index and table).
    await expectCorrupt(() => damaged.verifyIntegrity(), /SQLite integrity check failed/)
    await damaged.close()

    // Heads that disagree with sound rows: the audit names them, and the reads of that key fail.
    const heads = new Database(path)
    heads.exec('REINDEX operations_by_did')
    heads.prepare('UPDATE key_heads SET operations = operations + 1 WHERE suffix = ?').run(base32.baseDecode(d.create.suffix))
    heads.close()
    const audited = new SqliteLedger(path)
    expect(await audited.read(other.create.suffix)).toHaveLength(1)
    await expectCorrupt(() => audited.verifyIntegrity(), /^1 index keys disagree with their heads$/)
    await expectCorrupt(() => audited.read(d.create.suffix), /\(2 of 3 operations found\)/)
    await audited.close()
  })
})

describe('a damaged store is never "not found" nor a denial', () => {
  /** The role-check world of test/vc on a SqliteLedger file. */
  async function sqliteWorld(path: string) {
    const w = new World()
    const ledger = new SqliteLedger(path, { create: true, clock: () => w.now })
    Object.assign(w, { ledger, resolver: new GridResolver({ networks: { test: ledger } }) })
    w.utility = await w.party('utility')
    w.schemas = await publishRoleSchemas({ did: w.utility.did, signer: w.utility.signing }, w)
    await w.trust({ user: [w.utility.did], aggregator: [w.utility.did], 'production-base': [w.utility.did] })
    w.registry = trustRegistryUrl(w.utility.did)
    w.status = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: w.statusStore,
    })
    return { w, ledger: ledger as SqliteLedger }
  }

  it('the resolver answers internalError, the endpoint 500, and checkRole throws', async () => {
    const path = freshPath()
    const { w, ledger } = await sqliteWorld(path)
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    const vp = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: 'did:grid:test:contract#response',
      challenge: 'nonce-0001',
      issuedAt: w.now,
    })
    const requirement = { role: 'user', action: 'response.bid' } as const
    const context = await w.context()
    expect((await checkRole(vp, requirement, context)).allowed).toBe(true)
    await ledger.close()
    misdirectIndexEntry(path, user.did.split(':').at(-1)!)

    const damaged = new SqliteLedger(path)
    const resolver = new GridResolver({ networks: { test: damaged } })
    const resolved = await resolver.resolve(user.did)
    expect(resolved.didResolutionMetadata.error).toBe('internalError')
    expect(resolved.didResolutionMetadata.message).toMatch(/index of \S+ disagrees with its records/)
    expect(resolved.didDocument).toBeNull()

    const handler = createHandler({ resolver: new GridResolver({ networks: { test: damaged } }) })
    const res = await handler(new Request(`http://127.0.0.1/1.0/identifiers/${user.did}`))
    expect(res.status).toBe(500)
    expect(((await res.json()) as { didResolutionMetadata: { error: string } }).didResolutionMetadata.error).toBe('internalError')

    await expectCorrupt(
      () => checkRole(vp, requirement, { ...context, resolver: new GridResolver({ networks: { test: damaged } }) }),
      /disagrees with its records/,
    )
    await damaged.close()
  })
})

describe('damage found by any read, not only a whole one', () => {
  /** A DID with `updates` updates anchored one per batch (heights 1 … updates + 1). */
  async function history(path: string, label: string, updates: number) {
    let now = 1_767_225_600
    const ledger = new SqliteLedger(path, { create: true, clock: () => (now += 60) })
    const d = await newDid(label)
    await ledger.submit([d.create])
    const resolver = new GridResolver({ networks: { test: ledger }, checkpoints: false, cache: false })
    for (let i = 0; i < updates; i++) {
      const state = await resolver.resolveState(d.create.did)
      await ledger.submit([
        await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://u${i}.example`] }] }),
      ])
    }
    return { ledger, d }
  }

  /** Moves the key's operation at `height` to another key: table and index agree, the key's head does not. */
  function moveAway(path: string, height: number): void {
    const db = new Database(path)
    db.prepare('UPDATE operations SET suffix = ? WHERE height = ?').run(Buffer.alloc(32, 0xab), height)
    db.close()
  }

  it('a page, or a resume above a checkpoint, counts the key against its head', async () => {
    const path = freshPath()
    const { ledger, d } = await history(path, 'count-any-read', 3)
    const secret = new Uint8Array(32).fill(3)
    // A checkpoint at height 4 by a resolver keeping its secret, then three more updates.
    await new GridResolver({ networks: { test: ledger }, cache: false, checkpoints: { secret, every: 1 } }).resolve(d.create.did)
    expect(await ledger.readCheckpoint(d.create.suffix, 4)).toMatchObject({ height: 4, operations: 4 })
    const writer = new GridResolver({ networks: { test: ledger }, checkpoints: false, cache: false })
    for (let i = 0; i < 3; i++) {
      const state = await writer.resolveState(d.create.did)
      await ledger.submit([
        await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${i}.example`] }] }),
      ])
    }
    expect((await ledger.head()).height).toBe(7)
    await ledger.close()
    moveAway(path, 5) // above the checkpoint, below the head

    const damaged = new SqliteLedger(path)
    // Paged reads: only the last page can compare, and it does, whatever the page size.
    for (const limit of [1, 2, 3, 64]) {
      let after: { height: number; position: number } | undefined
      const read = async () => {
        for (;;) {
          const page = await damaged.read(d.create.suffix, { limit, ...(after ? { after } : {}) })
          if (page.length < limit) return
          after = { height: page.at(-1)!.height, position: page.at(-1)!.position }
        }
      }
      await expectCorrupt(read, /\(6 of 7 operations found\)/)
    }
    // A read above the checkpoint (as a resume reads): it sees heights 6 and 7, its head is 7.
    await expectCorrupt(() => damaged.read(d.create.suffix, { afterHeight: 4 }), /\(6 of 7 operations found\)/)
    // The resolver that resumes from its checkpoint answers internalError, never the stale state.
    const resumed = await new GridResolver({ networks: { test: damaged }, cache: false, checkpoints: { secret } }).resolve(d.create.did)
    expect(resumed.didResolutionMetadata.error).toBe('internalError')
    expect(resumed.didDocument).toBeNull()
    await damaged.close()
  })

  it('verifyIntegrity reports operations whose batch is gone', async () => {
    const path = freshPath()
    const { ledger } = await history(path, 'orphans', 1)
    await ledger.close()
    const db = new Database(path)
    db.pragma('foreign_keys = OFF')
    db.prepare('DELETE FROM batches WHERE height = 2').run()
    db.close()
    const damaged = new SqliteLedger(path)
    await expectCorrupt(() => damaged.verifyIntegrity(), /^1 rows refer to a batch or key that does not exist$/)
    await damaged.close()
  })
})
