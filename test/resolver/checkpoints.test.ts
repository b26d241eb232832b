import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { base32 } from 'multiformats/bases/base32'
import { afterAll, describe, expect, it } from 'vitest'
import {
  type Ed25519KeyPair,
  GridResolver,
  LedgerUnavailableError,
  MemoryLedger,
  deactivateDid,
  publishResource,
  recoverDid,
  rotateUpdateKey,
  updateDid,
  type AnchoredOperation,
  type DidState,
  type EncodedOperation,
  type Ledger,
  type Patch,
  type ReadOptions,
} from '../../src/index.js'
import type { Checkpoint } from '../../src/ledger/types.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'
import { checkOperation, DidFold } from '../../src/method/state.js'
import { toHex, utf8Encode } from '../../src/lib/bytes.js'
import { hmacSha256, sha256 } from '../../src/lib/crypto.js'
import { encodeCheckpoint } from '../../src/resolver/checkpoint.js'
import { createHandler } from '../../src/server/handler.js'
import { Resolver } from 'did-resolver'
import { createVerifiableCredentialJwt, verifyCredential as didJwtVcVerifyCredential } from 'did-jwt-vc'
import { getResolver } from '../../src/index.js'
import { parseDid } from '../../src/method/did.js'
import { key, newDid, vm } from '../helpers.js'

const T0 = 1_767_225_600 // 2026-01-01T00:00:00Z
const root = mkdtempSync(join(tmpdir(), 'grid-did-checkpoints-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let files = 0

/** A SqliteLedger that records its reads and checkpoint calls, and can lag or fail on demand. */
class SpyLedger extends SqliteLedger {
  reads: (ReadOptions & { suffix: string })[] = []
  checkpointReads = 0
  checkpointWrites: Checkpoint[] = []
  /** Reported finalized height, below the real head (as a chain with confirmations reports it). */
  finalized: number | undefined
  failCheckpointRead = false
  failCheckpointWrite = false
  /** Misbehave: return the newest checkpoint whatever height is asked for. */
  ignoreCheckpointBound = false

  override async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.reads.push({ suffix, ...options })
    return super.read(suffix, options)
  }

  override async head() {
    const head = await super.head()
    return this.finalized === undefined ? head : { ...head, finalizedHeight: Math.min(this.finalized, head.height) }
  }

  override async readCheckpoint(suffix: string, height: number) {
    this.checkpointReads++
    if (this.failCheckpointRead) throw new LedgerUnavailableError('checkpoint read failed (injected)')
    return super.readCheckpoint(suffix, this.ignoreCheckpointBound ? Number.MAX_SAFE_INTEGER : height)
  }

  override async writeCheckpoint(checkpoint: Checkpoint) {
    this.checkpointWrites.push(checkpoint)
    if (this.failCheckpointWrite) throw new LedgerUnavailableError('checkpoint write failed (injected)')
    return super.writeCheckpoint(checkpoint)
  }

  /** Where the last read of `suffix` started: 0 for a full fold, a checkpoint's height otherwise. */
  lastFrom(suffix: string): number | undefined {
    return this.reads.findLast((r) => r.suffix === suffix)?.afterHeight
  }
}

async function world(label: string) {
  let now = T0
  const path = join(root, `${files++}.db`)
  const ledger = new SpyLedger(path, { create: true, clock: () => (now += 60) })
  const networks = { test: ledger }
  // The reference reads past the spy's record (but sees the same head), so `lastFrom` tells what the
  // resolvers under test did.
  const unrecorded: Ledger = {
    submit: (ops) => ledger.submit(ops),
    read: (suffix, options) => SqliteLedger.prototype.read.call(ledger, suffix, options),
    head: () => ledger.head(),
    batch: (height) => ledger.batch(height),
    close: async () => {},
  }
  const d = await newDid(label)
  await ledger.submit([d.create])
  // One secret for the world's resolvers, so that one resolver's checkpoints serve the others.
  const secret = new Uint8Array(32).fill(files)
  return {
    ledger,
    path,
    secret,
    ...d,
    did: d.create.did,
    suffix: d.create.suffix,
    /** Re-verifies the whole log on every call: the answer checkpoints must reproduce. */
    reference: new GridResolver({ networks: { test: unrecorded }, cache: false, checkpoints: false }),
    /** No cache, a checkpoint every 2 operations. */
    cold: new GridResolver({ networks, cache: false, checkpoints: { every: 2, secret } }),
    networks,
  }
}

/** Anchors `n` valid updates, one per batch. */
async function updates(w: Awaited<ReturnType<typeof world>>, n: number, signer = w.update): Promise<void> {
  for (let i = 0; i < n; i++) {
    const state = await w.reference.resolveState(w.did)
    await w.ledger.submit([
      await updateDid(state, signer, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://u${state.versionId}.example`] }] }),
    ])
  }
}

/** A small deterministic PRNG (mulberry32), so a failing history reproduces. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('checkpoints', () => {
  it('resume the fold exactly: any prefix’s state plus the rest gives the full fold’s state, replays included', async () => {
    // Ledgers never hand out an operation twice, but the fold must not depend on it: logs drawn at
    // random from one DID's operations, with repeats, and split at every point.
    const d = await newDid('cp-resume')
    const next = key('cp-resume-next')
    const s1 = { did: d.create.did, head: d.create.cid, recoveryHead: d.create.cid, deactivated: false }
    const u1 = await updateDid(s1, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://u1.example'] }] })
    const u2 = await updateDid({ ...s1, head: u1.cid }, d.update, { patches: [{ action: 'set-controller', controller: [d.create.did] }] })
    const u3 = await rotateUpdateKey({ ...s1, head: u2.cid }, d.update, next)
    const r1 = await recoverDid(s1, d.recovery, {
      newUpdateKey: next,
      newRecoveryKey: next,
      document: { alsoKnownAs: ['https://r1.example'] },
    })
    const u4 = await updateDid({ ...s1, head: r1.cid }, next, {
      patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://u4.example'] }],
    })
    const off = await deactivateDid({ ...s1, recoveryHead: r1.cid }, next)
    const pool = [d.create, u1, u2, u3, r1, u4, off].map((op) => checkOperation({ bytes: op.bytes, height: 0, position: 0, time: 0 }))
    const random = prng(11)
    let resumed = 0
    for (let run = 0; run < 300; run++) {
      const length = 4 + Math.floor(random() * 12)
      const log = Array.from({ length }, (_, i) => {
        // The create first more often than not, so that most logs get somewhere.
        const op = i === 0 && random() < 0.8 ? pool[0]! : pool[Math.floor(random() * pool.length)]!
        return { ...op, height: i + 1, time: T0 + i }
      })
      const full = new DidFold(d.create.did, d.create.suffix)
      for (const op of log) full.push(op)
      for (let k = 0; k <= length; k++) {
        const prefix = new DidFold(d.create.did, d.create.suffix)
        for (const op of log.slice(0, k)) prefix.push(op)
        const fold = DidFold.resume(d.create.did, d.create.suffix, prefix.state && JSON.parse(JSON.stringify(prefix.state)))
        for (const op of log.slice(k)) fold.push(op)
        expect(fold.state, `run ${run}, split at ${k}`).toEqual(full.state)
        resumed++
      }
    }
    expect(resumed).toBeGreaterThan(2000)
  })

  it('give the full fold’s answer after every step of a long random history', async () => {
    const w = await world('cp-random')
    const cached = new GridResolver({ networks: w.networks, checkpoints: { every: 3, secret: w.secret } })
    const random = prng(6)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    const keys = new Map<string, Ed25519KeyPair>([
      [w.update.publicKeyMultibase, w.update],
      [w.recovery.publicKeyMultibase, w.recovery],
    ])
    const fresh = (label: string) => {
      const k = key(`cp-random-${label}`)
      keys.set(k.publicKeyMultibase, k)
      return k
    }
    const stranger = key('cp-random-stranger')
    const heads: string[] = []
    let resourceHead: string | undefined
    let n = 0
    const compare = async (step: string) => {
      const expected = await w.reference.resolve(w.did)
      expect(await w.cold.resolve(w.did), step).toEqual(expected)
      expect(await cached.resolve(w.did), step).toEqual(expected)
      expect(await w.cold.resolveState(w.did), step).toEqual(await w.reference.resolveState(w.did))
    }

    for (let step = 0; step < 70; step++) {
      const state: DidState = await w.reference.resolveState(w.did)
      const updateKey = keys.get(state.updateKey)!
      const recoveryKey = keys.get(state.recoveryKey)!
      heads.push(state.head)
      const batch: EncodedOperation[] = []
      const roll = random()
      n++
      if (roll < 0.35) {
        const ed = state.verificationMethods.filter((v) => !v.purposes.includes('keyAgreement'))
        const patches: Patch[] = [
          { action: 'add-verification-method', method: vm(`k${n}`, fresh(`vm${n}`)) },
          { action: 'add-service', service: { id: `s${n}`, type: 'DemandResponse', serviceEndpoint: { bids: `https://dr${n}.example/` } } },
          { action: 'set-controller', controller: [w.did] },
          { action: 'set-also-known-as', alsoKnownAs: [`https://a${n}.example`] },
        ]
        if (ed.length > 0) patches.push({ action: 'set-relationships', id: pick(ed).id, purposes: ['authentication'] })
        if (state.verificationMethods.length > 0)
          patches.push({ action: 'remove-verification-method', id: pick(state.verificationMethods).id })
        if (state.services.length > 0) patches.push({ action: 'remove-service', id: pick(state.services).id })
        batch.push(await updateDid(state, updateKey, { patches: [pick(patches)] }))
      } else if (roll < 0.45) {
        batch.push(await rotateUpdateKey(state, updateKey, fresh(`update${n}`)))
      } else if (roll < 0.55) {
        // Skipped: unauthorized, a stale prev, a patch that does not apply.
        batch.push(await updateDid(state, stranger, { patches: [{ action: 'set-controller', controller: [] }] }))
        if (heads.length > 2)
          batch.push(await updateDid({ ...state, head: heads[0]! }, updateKey, { patches: [{ action: 'set-controller', controller: [] }] }))
        batch.push(await updateDid(state, updateKey, { patches: [{ action: 'remove-service', id: 'no-such-service' }] }))
      } else if (roll < 0.65) {
        // A fork: two updates on the same head; the first in ledger order wins.
        batch.push(
          await updateDid(state, updateKey, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://fork-a${n}.example`] }] }),
        )
        batch.push(
          await updateDid(state, updateKey, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://fork-b${n}.example`] }] }),
        )
      } else if (roll < 0.75) {
        batch.push(
          await recoverDid(state, recoveryKey, {
            newUpdateKey: fresh(`rec-update${n}`),
            newRecoveryKey: fresh(`rec-recovery${n}`),
            document: { verificationMethods: [vm('key-1', fresh(`rec-vm${n}`))], alsoKnownAs: [`https://r${n}.example`] },
          }),
        )
        if (random() < 0.5) batch.push(await recoverDid(state, stranger, { newUpdateKey: stranger, newRecoveryKey: stranger }))
      } else if (roll < 0.85) {
        // Resources live in their own log: they must not move the DID's checkpoints.
        const op = await publishResource({
          did: w.did,
          resourceId: 'r1',
          resourceType: 'Note',
          content: { n },
          signer: updateKey,
          prev: resourceHead,
        })
        resourceHead = op.cid
        batch.push(op)
      } else {
        batch.push(
          await updateDid(state, updateKey, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://b${n}.example`] }] }),
        )
        batch.push(await updateDid(state, stranger, { patches: [{ action: 'set-controller', controller: [] }] }))
      }
      await w.ledger.submit(batch)
      // Not after every batch: checkpoints then also lag behind by several operations.
      if (random() < 0.6) await compare(`step ${step}`)
    }
    await compare('before deactivation')
    const last = await w.reference.resolveState(w.did)
    await w.ledger.submit([await deactivateDid(last, keys.get(last.recoveryKey)!)])
    await w.ledger.submit([
      await updateDid({ ...last, deactivated: false }, keys.get(last.updateKey)!, {
        patches: [{ action: 'set-controller', controller: [] }],
      }),
    ])
    await compare('after deactivation')
    const resolved = await w.cold.resolve(w.did)
    expect(resolved.didDocumentMetadata.deactivated).toBe(true)

    // The checkpoints were used (folds started above height 0), written, and pruned to three.
    const fromCheckpoint = w.ledger.reads.filter((r) => r.suffix === w.suffix && (r.afterHeight ?? 0) > 0)
    expect(fromCheckpoint.length).toBeGreaterThan(20)
    expect(w.ledger.checkpointWrites.length).toBeGreaterThan(10)
    const db = new Database(w.path, { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM checkpoints').get()).toEqual({ n: 3 })
    db.close()
    // Resources and history are untouched by the checkpoints.
    expect(await w.cold.dereference(`${w.did}/resources/r1`)).toEqual(await w.reference.dereference(`${w.did}/resources/r1`))
    expect(await cached.history(w.did)).toEqual(await w.reference.history(w.did))
    await w.ledger.close()
  })

  it('by default a checkpoint follows every 8 operations folded, so a cold resolve verifies at most 7 operations past one', async () => {
    const w = await world('cp-default-every')
    const fresh = new GridResolver({ networks: w.networks, cache: false, checkpoints: { secret: w.secret } })
    await updates(w, 20)
    await fresh.resolve(w.did) // the whole log: 21 operations, one checkpoint at the head
    expect(w.ledger.checkpointWrites.map((c) => c.operations)).toEqual([21])
    // Seven more: folded from the checkpoint, and no new one (7 < 8).
    await updates(w, 7)
    const read = async () => {
      const before = w.ledger.reads.length
      expect(await fresh.resolve(w.did)).toEqual(await w.reference.resolve(w.did))
      const mine = w.ledger.reads.slice(before).filter((r) => r.suffix === w.suffix)
      return (await Promise.all(mine.map((r) => SqliteLedger.prototype.read.call(w.ledger, r.suffix, r)))).flat().length
    }
    expect(await read()).toBe(7)
    expect(w.ledger.checkpointWrites.map((c) => c.operations)).toEqual([21])
    // The eighth: a new checkpoint, and the next cold resolve verifies nothing again.
    await updates(w, 1)
    expect(await read()).toBe(8)
    expect(w.ledger.checkpointWrites.map((c) => c.operations)).toEqual([21, 29])
    expect(await read()).toBe(0)
    await w.ledger.close()
  })

  it('answers version selectors, history and timelines from the full log after a checkpointed resolve', async () => {
    const w = await world('cp-history')
    await updates(w, 6)
    await w.cold.resolve(w.did) // leaves a checkpoint at the head
    const cached = new GridResolver({ networks: w.networks, checkpoints: { every: 2, secret: w.secret } })
    expect(await cached.resolve(w.did)).toEqual(await w.reference.resolve(w.did))
    expect(w.ledger.lastFrom(w.suffix)).toBe((await w.ledger.head()).height)
    for (const options of [{ versionId: 1 }, { versionId: 4 }, { versionTime: '2026-01-01T00:03:00Z' }, { ledgerHeight: 3 }]) {
      expect(await cached.resolve(w.did, options), JSON.stringify(options)).toEqual(await w.reference.resolve(w.did, options))
      expect(await w.cold.resolve(w.did, options), JSON.stringify(options)).toEqual(await w.reference.resolve(w.did, options))
    }
    expect(await cached.history(w.did)).toEqual(await w.reference.history(w.did))
    expect(await cached.timeline(w.did, 5)).toEqual(await w.reference.timeline(w.did, 5))
    // The latest state from the cached, now complete view: still right after more updates.
    await updates(w, 3)
    expect(await cached.resolve(w.did)).toEqual(await w.reference.resolve(w.did))
    expect(await cached.resolve(w.did, { versionId: 8 })).toEqual(await w.reference.resolve(w.did, { versionId: 8 }))
    await w.ledger.close()
  })

  it('uses an older checkpoint, or none, when the finalized height is below the newest one', async () => {
    const w = await world('cp-lag')
    const written: number[] = []
    for (let i = 0; i < 5; i++) {
      await updates(w, 2)
      await w.cold.resolve(w.did)
      written.push(w.ledger.checkpointWrites.at(-1)!.height)
    }
    expect(written).toEqual([3, 5, 7, 9, 11])
    // The store keeps 7, 9 and 11. A finalized height of 10 uses the checkpoint at 9 and folds 10.
    w.ledger.finalized = 10
    expect(await w.cold.resolve(w.did)).toEqual(await w.reference.resolve(w.did))
    expect(w.ledger.lastFrom(w.suffix)).toBe(9)
    expect((await w.cold.resolve(w.did)).didDocumentMetadata.versionId).toBe('10')
    // Below every kept checkpoint: the full fold.
    w.ledger.finalized = 6
    expect(await w.cold.resolve(w.did)).toEqual(await w.reference.resolve(w.did))
    expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    expect((await w.cold.resolve(w.did)).didDocumentMetadata.versionId).toBe('6')
    // Before the DID existed.
    w.ledger.finalized = 0
    expect((await w.cold.resolve(w.did)).didResolutionMetadata.error).toBe('notFound')
    // An adapter that returns a checkpoint above the finalized height is not believed.
    w.ledger.ignoreCheckpointBound = true
    w.ledger.finalized = 10
    expect(await w.cold.resolve(w.did)).toEqual(await w.reference.resolve(w.did))
    expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    await w.ledger.close()
  })

  it('checkpoints: false neither reads nor writes checkpoints', async () => {
    const w = await world('cp-off')
    await updates(w, 5)
    const off = new GridResolver({ networks: w.networks, cache: false, checkpoints: false })
    const before = await off.resolve(w.did)
    expect(before.didDocumentMetadata.versionId).toBe('6')
    expect(w.ledger.checkpointReads).toBe(0)
    expect(w.ledger.checkpointWrites).toEqual([])
    await w.cold.resolve(w.did) // writes one
    const reads = w.ledger.checkpointReads
    expect(await off.resolve(w.did)).toEqual(before)
    expect(w.ledger.checkpointReads).toBe(reads)
    expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    await w.ledger.close()
  })

  it('treats a damaged or foreign checkpoint as none: the full fold answers, and the next write repairs it', async () => {
    const w = await world('cp-damage')
    await updates(w, 4)
    await w.cold.resolve(w.did)
    const height = (await w.ledger.head()).height
    const good = (await w.ledger.readCheckpoint(w.suffix, height))!
    expect(good.height).toBe(height)
    const other = await newDid('cp-damage-other')
    const state = await w.reference.resolveState(w.did)
    const body = good.state.slice(65)
    // Well-formed damage: the tag matches, the body does not describe this DID at this height.
    const resum = (json: string) => `${toHex(hmacSha256(w.secret, utf8Encode(json)))}.${json}`
    const damaged: [string, string | ((db: Database.Database) => void)][] = [
      ['not JSON', `${good.state.slice(0, 65)}{"v":1,`],
      ['empty', ''],
      ['tag mismatch', good.state.slice(0, 65) + body.replace('"versionId":5', '"versionId":4')],
      [
        'another DID',
        encodeCheckpoint(w.secret, parseDid(other.create.did), height, good.operations, {
          ...state,
          did: other.create.did,
          suffix: other.create.suffix,
        }).state,
      ],
      ['another format', resum(body.replace('"v":2', '"v":3'))],
      ['format 1 (unkeyed SHA-256)', `${toHex(sha256(utf8Encode(body.replace('"v":2', '"v":1'))))}.${body.replace('"v":2', '"v":1')}`],
      ['not a state', resum(body.replace('"updateKey":', '"updateKeys":'))],
      ['counts disagree', resum(body.replace(`"operations":${good.operations}`, '"operations":1'))],
      ['another height', (db) => db.prepare('UPDATE checkpoints SET height = height - 1 WHERE height = ?').run(height)],
    ]
    const expected = await w.reference.resolve(w.did)
    for (const [what, damage] of damaged) {
      const db = new Database(w.path)
      db.prepare('DELETE FROM checkpoints').run()
      db.prepare('INSERT INTO checkpoints (suffix, height, operations, state) VALUES (?, ?, ?, ?)').run(
        base32.baseDecode(w.suffix),
        height,
        good.operations,
        typeof damage === 'string' ? damage : good.state,
      )
      if (typeof damage !== 'string') damage(db)
      db.close()
      expect(await w.cold.resolve(w.did), what).toEqual(expected)
      expect(w.ledger.lastFrom(w.suffix), what).toBe(0)
      // The full fold wrote a sound checkpoint at the head, which the next resolve uses.
      expect(await w.cold.resolve(w.did), what).toEqual(expected)
      expect(w.ledger.lastFrom(w.suffix), what).toBe(height)
    }
    await w.ledger.close()
  })

  it('is never an error when checkpoints cannot be read or written', async () => {
    const w = await world('cp-fail')
    await updates(w, 4)
    const expected = await w.reference.resolve(w.did)
    w.ledger.failCheckpointWrite = true
    expect(await w.cold.resolve(w.did)).toEqual(expected)
    expect(w.ledger.checkpointWrites.length).toBe(1)
    w.ledger.failCheckpointWrite = false
    await w.cold.resolve(w.did)
    w.ledger.failCheckpointRead = true
    expect(await w.cold.resolve(w.did)).toEqual(expected)
    expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    await w.ledger.close()

    // A read-only store keeps the checkpoints it has and ignores new ones.
    const readonly = new SqliteLedger(w.path, { readonly: true })
    const resolver = new GridResolver({ networks: { test: readonly }, cache: false, checkpoints: { every: 1 } })
    expect(await resolver.resolve(w.did)).toEqual(expected)
    await readonly.close()
  })

  it('leaves ledgers without a place for checkpoints as they were', async () => {
    const ledger = new MemoryLedger({ clock: () => T0 })
    const d = await newDid('cp-memory')
    await ledger.submit([d.create])
    const state = await new GridResolver({ networks: { test: ledger } }).resolveState(d.create.did)
    await ledger.submit([await updateDid(state, d.update, { patches: [{ action: 'set-controller', controller: [d.create.did] }] })])
    const resolver = new GridResolver({ networks: { test: ledger }, cache: false, checkpoints: { every: 1 } })
    expect((await resolver.resolve(d.create.did)).didDocumentMetadata.versionId).toBe('2')
  })

  it('validates its option', () => {
    const ledger = new MemoryLedger()
    for (const every of [0, -1, 1.5, Number.NaN, '2']) {
      expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { every: every as number } })).toThrow(RangeError)
      expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { every: every as number } })).toThrow(
        'checkpoints.every must be a positive integer',
      )
    }
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: false })).not.toThrow()
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: {} })).not.toThrow()
  })
})

describe('checkpoints are authenticated (HMAC-SHA256 under a secret outside the store)', () => {
  /** The utility's state with the attacker's key in place of key-1: what a forger wants resolved. */
  async function forgery(w: Awaited<ReturnType<typeof world>>, attacker: Ed25519KeyPair) {
    const state = await w.reference.resolveState(w.did)
    const height = (await w.ledger.head()).height
    const forged: DidState = {
      ...state,
      verificationMethods: [{ ...state.verificationMethods[0]!, publicKeyMultibase: attacker.publicKeyMultibase }],
    }
    const body = (v: number) => JSON.stringify({ v, did: w.did, height, operations: 3, state: forged })
    const rows: [string, string][] = [
      // The attack of issue 12: the unkeyed format with its SHA-256 simply recomputed.
      ['SHA-256 recomputed', `${toHex(sha256(utf8Encode(body(1))))}.${body(1)}`],
      // The current format, tagged under a key the forger chose.
      ['HMAC under another key', `${toHex(hmacSha256(new Uint8Array(32).fill(0xee), utf8Encode(body(2))))}.${body(2)}`],
    ]
    return { height, rows }
  }

  function plant(w: Awaited<ReturnType<typeof world>>, height: number, state: string) {
    const db = new Database(w.path)
    db.prepare('DELETE FROM checkpoints').run()
    db.prepare('INSERT INTO checkpoints (suffix, height, operations, state) VALUES (?, ?, ?, ?)').run(
      base32.baseDecode(w.suffix),
      height,
      3,
      state,
    )
    db.close()
  }

  it('a hand-made checkpoint row never puts an attacker’s key in the document: resolver, HTTP endpoint, did-jwt-vc', async () => {
    const w = await world('cp-forge')
    await updates(w, 2)
    const attacker = key('cp-forge-attacker')
    const { height, rows } = await forgery(w, attacker)
    const expected = await w.reference.resolve(w.did)
    const genuine = (expected.didDocument!.verificationMethod as { publicKeyMultibase: string }[])[0]!.publicKeyMultibase
    expect(genuine).not.toBe(attacker.publicKeyMultibase)
    for (const [what, state] of rows) {
      // Fresh resolvers, as a restarted `grid-did serve` would build them: the default (random
      // secret) and one with a secret of its own.
      for (const checkpoints of [undefined, { secret: w.secret }]) {
        plant(w, height, state)
        const resolver = new GridResolver({ networks: w.networks, ...(checkpoints ? { checkpoints } : {}) })
        expect(await resolver.resolve(w.did), what).toEqual(expected)
        expect(w.ledger.lastFrom(w.suffix), what).toBe(0)

        plant(w, height, state)
        const handler = createHandler({ resolver: new GridResolver({ networks: w.networks, ...(checkpoints ? { checkpoints } : {}) }) })
        const res = await handler(new Request(`http://127.0.0.1/1.0/identifiers/${w.did}`, { headers: { accept: 'application/did+json' } }))
        expect(res.status, what).toBe(200)
        const served = (await res.json()) as { verificationMethod: { publicKeyMultibase: string }[] }
        expect(served.verificationMethod[0]!.publicKeyMultibase, what).toBe(genuine)

        plant(w, height, state)
        const jwt = await createVerifiableCredentialJwt(
          {
            sub: w.did,
            nbf: T0,
            vc: {
              '@context': ['https://www.w3.org/2018/credentials/v1'],
              type: ['VerifiableCredential'],
              credentialSubject: { id: w.did },
            },
          } as never,
          {
            did: w.did,
            alg: 'EdDSA',
            signer: async (data) =>
              Buffer.from(await attacker.sign(typeof data === 'string' ? Buffer.from(data) : data)).toString('base64url'),
          },
          { header: { alg: 'EdDSA', kid: `${w.did}#key-1` } },
        )
        const viaResolver = new Resolver(getResolver(new GridResolver({ networks: w.networks, ...(checkpoints ? { checkpoints } : {}) })))
        await expect(didJwtVcVerifyCredential(jwt, viaResolver, { policies: { now: T0 + 3600 } }), what).rejects.toThrow(
          /invalid_signature/,
        )
      }
    }
    await w.ledger.close()
  })

  it('a checkpoint written under a secret serves another resolver with that secret, and no other', async () => {
    const w = await world('cp-secret')
    await updates(w, 4)
    const height = (await w.ledger.head()).height
    await w.cold.resolve(w.did) // writes a checkpoint at the head under w.secret
    expect(w.ledger.checkpointWrites.at(-1)!.height).toBe(height)
    const expected = await w.reference.resolve(w.did)

    // A new instance with the same secret (a restart of a process that keeps it) starts from it.
    const same = new GridResolver({ networks: w.networks, cache: false, checkpoints: { secret: Uint8Array.from(w.secret) } })
    expect(await same.resolve(w.did)).toEqual(expected)
    expect(w.ledger.lastFrom(w.suffix)).toBe(height)

    // Another secret, or none (a random one per instance), folds the whole log.
    for (const checkpoints of [{ secret: new Uint8Array(32).fill(0x42) }, {}, undefined]) {
      const other = new GridResolver({ networks: w.networks, cache: false, ...(checkpoints ? { checkpoints } : {}) })
      expect(await other.resolve(w.did)).toEqual(expected)
      expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    }
    // …and a default resolver then uses the checkpoint it wrote itself (every 8: force one with every 1).
    const own = new GridResolver({ networks: w.networks, cache: false, checkpoints: { every: 1 } })
    expect(await own.resolve(w.did)).toEqual(expected)
    expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    expect(await own.resolve(w.did)).toEqual(expected)
    expect(w.ledger.lastFrom(w.suffix)).toBe(height)
    // …which the first secret's holder no longer accepts (it was overwritten at the same height).
    expect(await same.resolve(w.did)).toEqual(expected)
    expect(w.ledger.lastFrom(w.suffix)).toBe(0)
    await w.ledger.close()
  })

  /**
   * A DID whose owner rotated its update key k1 to k2 (height 2), in a store whose writer then hid
   * the rotation and anchored an update signed with k1 that adds the key `evil`: it applies to the
   * censored log. `restore()` puts the hidden row back, so the file is the true ledger again.
   */
  async function censored(label: string) {
    const path = join(root, `censor-${files++}.db`)
    let now = T0
    const clock = () => (now += 60)
    let ledger = new SqliteLedger(path, { create: true, clock })
    const d = await newDid(label)
    const k2 = key(`${label}-k2`)
    const evil = key(`${label}-evil`)
    const plain = (l: SqliteLedger) => new GridResolver({ networks: { test: l }, checkpoints: false, cache: false })
    await ledger.submit([d.create])
    await ledger.submit([await rotateUpdateKey(await plain(ledger).resolveState(d.create.did), d.update, k2)])
    const truth = await plain(ledger).resolve(d.create.did)
    await ledger.close()
    const db = new Database(path)
    db.pragma('foreign_keys = OFF')
    const hidden = db.prepare('SELECT * FROM operations WHERE height = 2').get() as Record<string, unknown>
    db.prepare('DELETE FROM operations WHERE height = 2').run()
    db.prepare('UPDATE key_heads SET operations = 1, height = 1, position = 0 WHERE suffix = ?').run(hidden.suffix)
    db.close()
    ledger = new SqliteLedger(path, { clock })
    await ledger.submit([
      await updateDid(await plain(ledger).resolveState(d.create.did), d.update, {
        patches: [{ action: 'add-verification-method', method: vm('evil', evil) }],
      }),
    ])
    const restore = () => {
      const fix = new Database(path)
      fix.pragma('foreign_keys = OFF')
      fix
        .prepare('INSERT INTO operations (height, position, suffix, digest, bytes) VALUES (@height, @position, @suffix, @digest, @bytes)')
        .run(hidden)
      fix.prepare('UPDATE key_heads SET operations = 3 WHERE suffix = ?').run(hidden.suffix)
      fix.close()
    }
    return { path, ledger, d, k2, evil, truth, plain, restore }
  }

  it('a checkpoint folded from a censored log is void once the hidden operation is back (count at or below its height)', async () => {
    // The endpoint's resolver writes a checkpoint of the censored fold under its own secret; a
    // resolver with the same secret must answer the full fold once the store is whole again.
    const { path, ledger: writer, d, k2, evil, truth, restore } = await censored('cp-censor')
    const secret = new Uint8Array(32).fill(7)
    const censoring = new GridResolver({ networks: { test: writer }, cache: false, checkpoints: { secret, every: 1 } })
    expect((await censoring.resolveState(d.create.did)).verificationMethods.map((v) => v.id)).toContain('evil')
    await writer.close()
    restore()
    const ledger = new SqliteLedger(path)
    await ledger.verifyIntegrity()
    expect(await ledger.countOperations(d.create.suffix, 3)).toBe(3)
    expect(await ledger.readCheckpoint(d.create.suffix, 3)).toMatchObject({ height: 3, operations: 2 })
    const restarted = new GridResolver({ networks: { test: ledger }, cache: false, checkpoints: { secret } })
    const answer = await restarted.resolve(d.create.did)
    expect(answer.didDocument).toEqual(truth.didDocument)
    expect(answer.didDocumentMetadata.method).toMatchObject({ updateKey: k2.publicKeyMultibase })
    expect(JSON.stringify(answer)).not.toContain(evil.publicKeyMultibase)
    await ledger.close()
  })

  it('a cached view of a censored log is folded again once the hidden operation is back and the head moves', async () => {
    const { ledger, d, k2, plain, restore } = await censored('cache-censor')
    // A long-running resolver (cache on, no checkpoints) folds the censored log.
    const serving = new GridResolver({ networks: { test: ledger }, checkpoints: false })
    expect((await serving.resolveState(d.create.did)).verificationMethods.map((v) => v.id)).toContain('evil')
    // The row comes back (through another connection, as a writer sharing the file would) …
    restore()
    // … and the next batch moves the head: the cached view no longer counts what the store holds.
    await ledger.submit([(await newDid('cache-censor-other')).create])
    const state = await serving.resolveState(d.create.did)
    expect(state.updateKey).toBe(k2.publicKeyMultibase)
    expect(state.verificationMethods.map((v) => v.id)).not.toContain('evil')
    expect(state).toEqual(await plain(ledger).resolveState(d.create.did))
    await ledger.close()
  })

  it('validates the secret', () => {
    const ledger = new MemoryLedger()
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { secret: 'hunter2' as never } })).toThrow(TypeError)
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { secret: 'hunter2' as never } })).toThrow(
      'checkpoints.secret must be a Uint8Array',
    )
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { secret: new Uint8Array(31) } })).toThrow(RangeError)
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { secret: new Uint8Array(31) } })).toThrow(
      'checkpoints.secret must be at least 32 bytes',
    )
    expect(() => new GridResolver({ networks: { test: ledger }, checkpoints: { secret: new Uint8Array(32) } })).not.toThrow()
  })
})
