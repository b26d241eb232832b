import { describe, expect, it } from 'vitest'
import {
  GridResolver,
  HeightNotReachedError,
  InvalidDidUrlError,
  InvalidOperationError,
  LIMITS,
  LedgerRejectedError,
  LedgerUnavailableError,
  MemoryLedger,
  ResourceNotFoundError,
  anchorResource,
  checkOperation,
  deactivateDid,
  decodeOperation,
  foldOperations,
  parseDid,
  publishResource,
  resourceSuffix,
  rotateUpdateKey,
  updateDid,
  type AnchoredOperation,
  type DidState,
  type EncodedOperation,
  type Ledger,
  type OperationSigner,
  type ReadOptions,
  type ResourceOperation,
  type Submittable,
} from '../../src/index.js'
import { utf8Encode } from '../../src/lib/bytes.js'
import type { JsonValue } from '../../src/lib/jcs.js'
import { ResourceFold } from '../../src/method/resource.js'
import { expectFault, expectRejects, forge, key, newDid, vm } from '../helpers.js'

const T0 = 1_767_225_600 // 2026-01-01T00:00:00Z
const HOUR = 3600
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z')

// ---------------------------------------------------------------------------------------------
// Helpers

/** A ledger around a real MemoryLedger whose reads can be made to fail, or carry extra records (fault injection). */
class FaultyLedger implements Ledger {
  failReads = false
  readonly extra = new Map<string, AnchoredOperation[]>()
  constructor(readonly inner: Ledger) {}
  submit(ops: readonly Submittable[]) {
    return this.inner.submit(ops)
  }
  async read(suffix: string, options: ReadOptions = {}) {
    if (this.failReads) throw new LedgerUnavailableError('connection refused (injected)')
    const { afterHeight = 0, untilHeight = Number.MAX_SAFE_INTEGER } = options
    const injected = (this.extra.get(suffix) ?? []).filter((r) => r.height > afterHeight && r.height <= untilHeight)
    return [...(await this.inner.read(suffix, options)), ...injected]
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
}

/** A memory ledger with a controllable clock, a resolver on it, and one DID anchored at height 1. */
async function world(label = 'res', document?: Parameters<typeof newDid>[1]) {
  let now = T0
  const memory = new MemoryLedger({ clock: () => now })
  const ledger = new FaultyLedger(memory)
  const resolver = new GridResolver({ networks: { test: ledger } })
  const d = await newDid(label, document)
  /** Anchors one batch an hour after the previous one. */
  const anchor = async (...ops: (Uint8Array | { bytes: Uint8Array })[]) => {
    const receipts = await ledger.submit(ops)
    now += HOUR
    return receipts
  }
  await anchor(d.create)
  const did = d.create.did
  const url = (id = 'r') => `${did}/resources/${id}`
  const publish = (signer: OperationSigner, content: { [k: string]: JsonValue }, prev?: string, resourceId = 'r', resourceType = 'Doc') =>
    publishResource({ did, resourceId, resourceType, content, signer, ...(prev ? { prev } : {}) })
  return { ...d, did, memory, ledger, resolver, anchor, url, publish, clock: () => now }
}

/**
 * An independent reference fold: each resource record is checked against the owner's state
 * folded from the owner's operations strictly before the record's ledger position.
 */
async function referenceFold(ledger: Ledger, did: string, resourceId = 'r'): Promise<ResourceFold> {
  const ownerOps = await ledger.read(parseDid(did).suffix)
  const records = await ledger.read(resourceSuffix(did, resourceId))
  records.sort((a, b) => a.height - b.height || a.position - b.position)
  const fold = new ResourceFold(did, resourceId)
  for (const r of records) {
    const before = ownerOps.filter((o) => o.height < r.height || (o.height === r.height && o.position < r.position))
    fold.push(checkOperation(r), foldOperations(did, before).state)
  }
  return fold
}

/** The resolver's versions of a resource (cids, oldest first), read one by one by versionId. */
async function resolvedCids(resolver: GridResolver, url: string): Promise<string[]> {
  let latest
  try {
    latest = await resolver.resolveResource(url)
  } catch (err) {
    if (err instanceof ResourceNotFoundError) return []
    throw err
  }
  const out: string[] = []
  for (let i = 1; i <= latest.version.versionId; i++) out.push((await resolver.resolveResource(url, { versionId: i })).version.cid)
  return out
}

/** Asserts the resolver (cached and uncached) applies exactly `cids` and the reference fold skips with `reasons`. */
async function expectFold(w: Awaited<ReturnType<typeof world>>, cids: string[], reasons: string[], resourceId = 'r') {
  const fresh = new GridResolver({ networks: { test: w.ledger }, cache: false })
  expect(await resolvedCids(w.resolver, w.url(resourceId))).toEqual(cids)
  expect(await resolvedCids(fresh, w.url(resourceId))).toEqual(cids)
  const ref = await referenceFold(w.ledger, w.did, resourceId)
  expect(ref.versions.map((v) => v.cid)).toEqual(cids)
  expect(ref.skipped.map((s) => s.reason)).toEqual(reasons)
  return ref
}

const baseOp = (did: string, extra: Record<string, unknown> = {}) => ({
  type: 'resource',
  did,
  resourceId: 'r',
  resourceType: 'Doc',
  content: { a: 1 },
  ...extra,
})

// ---------------------------------------------------------------------------------------------

describe('resource operations: decoding', () => {
  it('decodes a well-formed resource operation to its owner DID and its own index key', async () => {
    const d = await newDid('dec')
    const op = await publishResource({
      did: d.create.did,
      resourceId: 'schema-1',
      resourceType: 'JsonSchema',
      content: { title: 'x' },
      signer: d.signing,
    })
    const decoded = decodeOperation(op.bytes)
    expect(decoded.did).toBe(d.create.did)
    expect(decoded.suffix).toBe(resourceSuffix(d.create.did, 'schema-1'))
    expect(decoded.cid).toBe(op.cid)
    expect(decoded.operation).toMatchObject({
      type: 'resource',
      resourceId: 'schema-1',
      resourceType: 'JsonSchema',
      content: { title: 'x' },
    })
    expect(decoded.operation).not.toHaveProperty('prev')
    expect(Object.isFrozen((decoded.operation as ResourceOperation).content)).toBe(true)
  })

  it('rejects unknown fields, a missing field and a wrong type name as malformed', async () => {
    const d = await newDid('dec')
    const did = d.create.did
    expectFault(() => decodeOperation(forge(baseOp(did, { extra: 1 }), d.signing)), 'malformed', /resource has an unknown field "extra"/)
    const { resourceType: _t, ...noType } = baseOp(did)
    expectFault(() => decodeOperation(forge(noType, d.signing)), 'malformed', /resource\.resourceType is missing/)
    expectFault(
      () => decodeOperation(forge(baseOp(did, { type: 'resources' }), d.signing)),
      'malformed',
      /operation\.type must be .*resource/,
    )
    expectFault(
      () => decodeOperation(forge(baseOp(did, { did: 'did:grid:test:nope' }), d.signing)),
      'malformed',
      /resource\.did must be a did:grid DID/,
    )
    expectFault(
      () => decodeOperation(forge(baseOp(did, { resourceType: 'has space' }), d.signing)),
      'malformed',
      /resource\.resourceType must be 1-128 printable ASCII/,
    )
    expectFault(
      () => decodeOperation(forge(baseOp(did, { resourceType: 'x'.repeat(129) }), d.signing)),
      'malformed',
      /resourceType must be 1-128/,
    )
  })

  it.each([
    ['empty', ''],
    ['a slash', 'a/b'],
    ['a dot', 'schema.v1'],
    ['a space', 'a b'],
    ['non-ASCII', 'schéma'],
    ['65 characters', 'x'.repeat(65)],
  ])('rejects a resourceId with %s', async (_name, resourceId) => {
    const d = await newDid('dec')
    expectFault(
      () => decodeOperation(forge(baseOp(d.create.did, { resourceId }), d.signing)),
      'malformed',
      /resource\.resourceId must be 1-64 characters/,
    )
  })

  it('accepts a resourceId of exactly 64 characters A-Z a-z 0-9 _ -', async () => {
    const d = await newDid('dec')
    const resourceId = 'Az09_-'.repeat(10) + 'abcd'
    expect(resourceId).toHaveLength(64)
    expect(decodeOperation(forge(baseOp(d.create.did, { resourceId }), d.signing)).suffix).toBe(resourceSuffix(d.create.did, resourceId))
  })

  it.each([
    ['an array', [1, 2]],
    ['a string', 'text'],
    ['a number', 7],
    ['a boolean', true],
  ])('rejects content that is %s', async (_name, content) => {
    const d = await newDid('dec')
    expectFault(
      () => decodeOperation(forge(baseOp(d.create.did, { content }), d.signing)),
      'malformed',
      /resource\.content must be a JSON object/,
    )
  })

  it('rejects null content and content outside the canonical value domain', async () => {
    const d = await newDid('dec')
    // forge() cannot serialise null or floats, so edit the canonical text (JCS keeps both in place).
    const text = new TextDecoder().decode(forge(baseOp(d.create.did, { content: { n: 15 } }), d.signing))
    expect(text).toContain('"content":{"n":15}')
    expectFault(
      () => decodeOperation(utf8Encode(text.replace('"content":{"n":15}', '"content":null'))),
      'malformed',
      /operation: null is not allowed/,
    )
    expectFault(() => decodeOperation(utf8Encode(text.replace('"n":15', '"n":null'))), 'malformed', /operation: null is not allowed/)
    expectFault(() => decodeOperation(utf8Encode(text.replace('"n":15', '"n":1.5'))), 'malformed', /number 1\.5 is not a safe integer/)
  })

  it('rejects a prev that is not a json/sha2-256 CIDv1', async () => {
    const d = await newDid('dec')
    const did = d.create.did
    expectFault(() => decodeOperation(forge(baseOp(did, { prev: 'not-a-cid' }), d.signing)), 'malformed', /resource\.prev must be a CID/)
    expectFault(() => decodeOperation(forge(baseOp(did, { prev: 7 }), d.signing)), 'malformed', /resource\.prev must be a string/)
    expectFault(() => decodeOperation(forge(baseOp(did, { prev: '' }), d.signing)), 'malformed', /resource\.prev must be 1-100 characters/)
    // A real CID, but of the dag-pb codec (CIDv0 form).
    expectFault(
      () => decodeOperation(forge(baseOp(did, { prev: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }), d.signing)),
      'malformed',
      /resource\.prev must be a base32 CIDv1 with the json codec and sha2-256/,
    )
    // A valid prev decodes.
    expect((decodeOperation(forge(baseOp(did, { prev: d.create.cid }), d.signing)).operation as ResourceOperation).prev).toBe(d.create.cid)
  })

  it('rejects a resource operation whose signature does not verify', async () => {
    const d = await newDid('dec')
    const good = new TextDecoder().decode(forge(baseOp(d.create.did), d.signing))
    const tampered = utf8Encode(good.replace('"a":1', '"a":2'))
    expectFault(() => decodeOperation(tampered), 'bad-signature', /does not verify/)
  })

  it('lets a resource operation be up to LIMITS.resourceBytes, and no more', async () => {
    const d = await newDid('size')
    const build = (n: number) => forge(baseOp(d.create.did, { content: { pad: 'x'.repeat(n) } }), d.signing)
    const base = build(0).length
    const exact = build(LIMITS.resourceBytes - base)
    expect(exact.length).toBe(LIMITS.resourceBytes)
    expect(decodeOperation(exact).operation.type).toBe('resource')
    const over = build(LIMITS.resourceBytes - base + 1)
    expect(over.length).toBe(LIMITS.resourceBytes + 1)
    expectFault(() => decodeOperation(over), 'oversized', /at most 65536 bytes, got 65537/)

    // The ledger takes a resource operation well above the DID-operation limit.
    const ledger = new MemoryLedger()
    await ledger.submit([d.create])
    const big = build(LIMITS.operationBytes * 2)
    expect(big.length).toBeGreaterThan(LIMITS.operationBytes)
    const [receipt] = await ledger.submit([big])
    expect(receipt!.did).toBe(d.create.did)
    expect(await ledger.read(resourceSuffix(d.create.did, 'r'))).toHaveLength(1)
  })

  it('limits every other operation type to LIMITS.operationBytes', async () => {
    const d = await newDid('size')
    const did = d.create.did
    const update = (n: number) =>
      forge(
        {
          type: 'update',
          did,
          prev: d.create.cid,
          patches: [{ action: 'add-service', service: { id: 'pad', type: 'Pad', serviceEndpoint: { pad: 'x'.repeat(n) } } }],
        },
        d.update,
      )
    const base = update(0).length
    const exact = update(LIMITS.operationBytes - base)
    expect(exact.length).toBe(LIMITS.operationBytes)
    expect(decodeOperation(exact).operation.type).toBe('update')
    const over = update(LIMITS.operationBytes - base + 1)
    expect(over.length).toBe(LIMITS.operationBytes + 1)
    expectFault(() => decodeOperation(over), 'oversized', /update operations may be at most 16384 bytes, got 16385/)
    // Even where a resource of the same size would be fine.
    expectFault(() => decodeOperation(update(30_000)), 'oversized', /update operations may be at most 16384 bytes/)

    const create = forge(
      {
        type: 'create',
        network: 'test',
        updateKey: d.update.publicKeyMultibase,
        recoveryKey: d.recovery.publicKeyMultibase,
        nonce: 'nonce-size-check-0001',
        document: { services: [{ id: 'pad', type: 'Pad', serviceEndpoint: { pad: 'x'.repeat(20_000) } }] },
      },
      d.update,
    )
    expectFault(() => decodeOperation(create), 'oversized', /create operations may be at most 16384 bytes/)

    // The ledger refuses it at submission, naming the reason.
    const err = await expectRejects(
      new MemoryLedger().submit([over]),
      LedgerRejectedError,
      'ERR_GRID_LEDGER_REJECTED',
      /batch refused: 1 invalid operation/,
    )
    expect((err as LedgerRejectedError).rejected).toEqual([
      { index: 0, reason: 'oversized', message: expect.stringMatching(/16384 bytes/) },
    ])
  })

  it('refuses malformed resource operations at the ledger, anchoring nothing', async () => {
    const d = await newDid('adm')
    const ledger = new MemoryLedger()
    await ledger.submit([d.create])
    const good = forge(baseOp(d.create.did, { content: { ok: true } }), d.signing)
    const bad = forge(baseOp(d.create.did, { resourceId: 'a/b' }), d.signing)
    const err = await expectRejects(
      ledger.submit([good, bad]),
      LedgerRejectedError,
      'ERR_GRID_LEDGER_REJECTED',
      /first at index 1: resource\.resourceId/,
    )
    expect((err as LedgerRejectedError).rejected.map((r) => r.reason)).toEqual(['malformed'])
    expect((await ledger.head()).height).toBe(1)
    expect(await ledger.read(resourceSuffix(d.create.did, 'r'))).toEqual([])
  })
})

describe('resourceSuffix', () => {
  it('is a 52-character base32 key, distinct from the DID suffix and per resource id and owner', async () => {
    const a = (await newDid('sfx-a')).create.did
    const b = (await newDid('sfx-b')).create.did
    const s = resourceSuffix(a, 'schema')
    expect(s).toMatch(/^[a-z2-7]{51}[aq]$/) // the form of a DID suffix: base32 of 32 bytes
    expect(s).toHaveLength(52)
    expect(s).not.toBe(parseDid(a).suffix)
    expect(resourceSuffix(a, 'schema')).toBe(s) // deterministic
    expect(resourceSuffix(a, 'schema2')).not.toBe(s)
    expect(resourceSuffix(a, 'Schema')).not.toBe(s)
    expect(resourceSuffix(b, 'schema')).not.toBe(s)
    const many = new Set(Array.from({ length: 50 }, (_, i) => resourceSuffix(a, `r${i}`)))
    expect(many.size).toBe(50)
  })
})

// ---------------------------------------------------------------------------------------------

describe('ResourceFold: every skip rule leaves the fold going', () => {
  async function setup() {
    const d = await newDid('fold', {
      verificationMethods: [vm('key-1', key('fold-signing')), vm('auth', key('fold-auth'), ['authentication'])],
    })
    const did = d.create.did
    const deactivate = await deactivateDid(
      foldOperations(did, [{ bytes: d.create.bytes, height: 1, position: 0, time: T0 }]).state!,
      d.recovery,
    )
    const owner = foldOperations(did, [{ bytes: d.create.bytes, height: 1, position: 0, time: T0 }]).state!
    const deactivated = foldOperations(did, [
      { bytes: d.create.bytes, height: 1, position: 0, time: T0 },
      { bytes: deactivate.bytes, height: 2, position: 0, time: T0 + 1 },
    ]).state!
    expect(deactivated.deactivated).toBe(true)
    const v1 = await publishResource({ did, resourceId: 'r', resourceType: 'Doc', content: { v: 1 }, signer: d.update })
    const v2 = await publishResource({ did, resourceId: 'r', resourceType: 'Doc', content: { v: 2 }, prev: v1.cid, signer: d.signing })
    return { d, did, owner, deactivated, v1, v2 }
  }

  type Setup = Awaited<ReturnType<typeof setup>>
  const junk: [string, (s: Setup) => Promise<{ bytes: Uint8Array; owner?: DidState | 'none' | 'deactivated'; type?: string }>][] = [
    ['malformed', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid, extra: true }), s.d.update) })],
    ['malformed', async () => ({ bytes: utf8Encode('{"not":"an operation"') })],
    [
      'oversized',
      async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid, content: { pad: 'x'.repeat(LIMITS.resourceBytes) } }), s.d.update) }),
    ],
    [
      'bad-signature',
      async (s) => ({
        bytes: utf8Encode(new TextDecoder().decode(forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update)).replace('"a":1', '"a":3')),
      }),
    ],
    [
      'non-canonical',
      async (s) => ({ bytes: utf8Encode(` ${new TextDecoder().decode(forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update))}`) }),
    ],
    ['wrong-did', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid, resourceId: 'other' }), s.d.update), type: 'resource' })],
    [
      'wrong-did',
      async (s) => ({ bytes: forge(baseOp((await newDid('fold-other')).create.did, { prev: s.v1.cid }), s.d.update), type: 'resource' }),
    ],
    [
      'wrong-did',
      async (s) => ({
        bytes: (await updateDid(s.owner, s.d.update, { patches: [{ action: 'remove-service', id: 'x' }] })).bytes,
        type: 'update',
      }),
    ],
    ['duplicate', async (s) => ({ bytes: s.v1.bytes, type: 'resource' })],
    ['no-create', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update), owner: 'none', type: 'resource' })],
    [
      'after-deactivation',
      async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update), owner: 'deactivated', type: 'resource' }),
    ],
    ['unauthorized', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid }), key('fold-stranger')), type: 'resource' })],
    ['unauthorized', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid }), s.d.recovery), type: 'resource' })],
    ['unauthorized', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid }), key('fold-auth')), type: 'resource' })],
    ['wrong-predecessor', async (s) => ({ bytes: forge(baseOp(s.did), s.d.update), type: 'resource' })],
    ['wrong-predecessor', async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.d.create.cid }), s.d.update), type: 'resource' })],
    [
      'type-changed',
      async (s) => ({ bytes: forge(baseOp(s.did, { prev: s.v1.cid, resourceType: 'NotDoc' }), s.d.update), type: 'resource' }),
    ],
  ]

  it.each(junk.map(([reason, make], i) => [`${reason} #${i}`, reason, make] as const))(
    '%s between two valid versions',
    async (_n, reason, make) => {
      const s = await setup()
      const j = await make(s)
      const fold = new ResourceFold(s.did, 'r')
      const records = [s.v1.bytes, j.bytes, s.v2.bytes].map((bytes, i) =>
        checkOperation({ bytes, height: 2 + i, position: 0, time: T0 + i * HOUR }),
      )
      const ownerOf = (o: Setup['owner'] | 'none' | 'deactivated' | undefined) =>
        o === 'none' ? undefined : o === 'deactivated' ? s.deactivated : (o ?? s.owner)
      expect(fold.push(records[0]!, s.owner)?.versionId).toBe(1)
      expect(fold.push(records[1]!, ownerOf(j.owner))).toBeUndefined()
      const v2 = fold.push(records[2]!, s.owner)
      expect(v2).toMatchObject({ versionId: 2, cid: s.v2.cid, content: { v: 2 }, key: s.d.signing.publicKeyMultibase, height: 4 })
      expect(fold.versions.map((v) => v.cid)).toEqual([s.v1.cid, s.v2.cid])
      expect(fold.skipped).toHaveLength(1)
      const skip = fold.skipped[0]!
      expect(skip.reason).toBe(reason)
      expect(skip).toMatchObject({ cid: records[1]!.cid, height: 3, position: 0, time: T0 + HOUR })
      expect(typeof skip.message).toBe('string')
      expect(skip.message.length).toBeGreaterThan(0)
      if (j.type) expect(skip.type).toBe(j.type)
    },
  )

  it('skips a first version that names a prev, then applies a proper first version', async () => {
    const s = await setup()
    const fold = new ResourceFold(s.did, 'r')
    const early = forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update)
    expect(fold.push(checkOperation({ bytes: early, height: 2, position: 0, time: T0 }), s.owner)).toBeUndefined()
    expect(fold.skipped[0]).toMatchObject({
      reason: 'wrong-predecessor',
      message: expect.stringMatching(/first version must not have prev/),
    })
    expect(fold.push(checkOperation({ bytes: s.v1.bytes, height: 3, position: 0, time: T0 }), s.owner)?.versionId).toBe(1)
  })

  it('reports the message of each skip rule', async () => {
    const s = await setup()
    const fold = new ResourceFold(s.did, 'r')
    fold.push(checkOperation({ bytes: s.v1.bytes, height: 2, position: 0, time: T0 }), s.owner)
    const push = (bytes: Uint8Array, owner: DidState | undefined) => {
      fold.push(checkOperation({ bytes, height: 3, position: fold.skipped.length, time: T0 }), owner)
      return fold.skipped.at(-1)!
    }
    expect(push(forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update), undefined).message).toMatch(/owner DID does not exist/)
    expect(push(forge(baseOp(s.did, { prev: s.v1.cid }), s.d.update), s.deactivated).message).toMatch(/owner DID is deactivated/)
    expect(push(forge(baseOp(s.did, { prev: s.v1.cid }), key('x')), s.owner).message).toMatch(
      /not signed by the owner's update key or an assertionMethod key/,
    )
    expect(push(forge(baseOp(s.did, { prev: s.d.create.cid }), s.d.update), s.owner).message).toMatch(
      /prev is not the last applied version/,
    )
    expect(push(forge(baseOp(s.did, { prev: s.v1.cid, resourceType: 'T2' }), s.d.update), s.owner).message).toMatch(
      /resourceType must stay "Doc"/,
    )
    expect(push(s.v1.bytes, s.owner).message).toMatch(/already applied/)
    expect(push(forge(baseOp(s.did, { resourceId: 'q' }), s.d.update), s.owner).message).toMatch(
      /is not a version of did:grid:test:.*\/resources\/r/,
    )
  })
})

// ---------------------------------------------------------------------------------------------

describe('resource versions on the ledger: authorization at the version position', () => {
  it('applies versions signed by the update key and by an assertionMethod key', async () => {
    const w = await world('auth')
    const v1 = await w.publish(w.update, { v: 1 })
    await w.anchor(v1)
    const v2 = await w.publish(w.signing, { v: 2 }, v1.cid)
    await w.anchor(v2)
    await expectFold(w, [v1.cid, v2.cid], [])
    const r = await w.resolver.resolveResource(w.url())
    expect(r.version).toMatchObject({ versionId: 2, key: w.signing.publicKeyMultibase, content: { v: 2 }, resourceType: 'Doc', height: 3 })
    expect((await w.resolver.resolveResource(w.url(), { versionId: 1 })).version.key).toBe(w.update.publicKeyMultibase)
  })

  it('skips versions signed by an authentication-only key or the recovery key', async () => {
    const authOnly = key('auth2-authonly')
    const w = await world('auth2', { verificationMethods: [vm('key-1', key('auth2-signing')), vm('login', authOnly, ['authentication'])] })
    const v1 = await w.publish(w.update, { v: 1 })
    await w.anchor(v1)
    const byAuth = await w.publish(authOnly, { v: 'auth' }, v1.cid)
    await w.anchor(byAuth)
    const byRecovery = await w.publish(w.recovery, { v: 'recovery' }, v1.cid)
    await w.anchor(byRecovery)
    const v2 = await w.publish(w.signing, { v: 2 }, v1.cid)
    await w.anchor(v2)
    await expectFold(w, [v1.cid, v2.cid], ['unauthorized', 'unauthorized'])
  })

  it('skips a version by a key removed from the DID before it, keeps one removed after it', async () => {
    const extra = key('rm-extra')
    const w = await world('rm', { verificationMethods: [vm('key-1', key('rm-signing')), vm('key-2', extra, ['assertionMethod'])] })
    // key-2 signs version 1, then is removed, then signs a version 2 candidate.
    const v1 = await w.publish(extra, { v: 1 })
    await w.anchor(v1)
    const removal = await updateDid(await w.resolver.resolveState(w.did), w.update, {
      patches: [{ action: 'remove-verification-method', id: 'key-2' }],
    })
    await w.anchor(removal)
    const late = await w.publish(extra, { v: 'late' }, v1.cid)
    await w.anchor(late)
    const v2 = await w.publish(w.signing, { v: 2 }, v1.cid)
    await w.anchor(v2)
    await expectFold(w, [v1.cid, v2.cid], ['unauthorized'])
    expect((await w.resolver.resolveResource(w.url(), { versionId: 1 })).version.key).toBe(extra.publicKeyMultibase)
  })

  it('decides by position inside one batch: removal then version is unauthorized', async () => {
    const extra = key('batch-extra')
    const w = await world('batch', { verificationMethods: [vm('key-1', key('batch-signing')), vm('key-2', extra, ['assertionMethod'])] })
    const removal = await updateDid(await w.resolver.resolveState(w.did), w.update, {
      patches: [{ action: 'remove-verification-method', id: 'key-2' }],
    })
    const v = await w.publish(extra, { v: 1 })
    const receipts = await w.anchor(removal, v)
    expect(receipts.map((r) => [r.height, r.position])).toEqual([
      [2, 0],
      [2, 1],
    ])
    await expectFold(w, [], ['unauthorized'])
    await expectRejects(
      w.resolver.resolveResource(w.url()),
      ResourceNotFoundError,
      'ERR_GRID_RESOURCE_NOT_FOUND',
      /was not found on the ledger/,
    )
  })

  it('decides by position inside one batch: version then removal applies', async () => {
    const extra = key('batch2-extra')
    const w = await world('batch2', { verificationMethods: [vm('key-1', key('batch2-signing')), vm('key-2', extra, ['assertionMethod'])] })
    const removal = await updateDid(await w.resolver.resolveState(w.did), w.update, {
      patches: [{ action: 'remove-verification-method', id: 'key-2' }],
    })
    const v = await w.publish(extra, { v: 1 })
    const receipts = await w.anchor(v, removal)
    expect(receipts.map((r) => [r.height, r.position])).toEqual([
      [2, 0],
      [2, 1],
    ])
    await expectFold(w, [v.cid], [])
    expect((await w.resolver.resolveState(w.did)).verificationMethods.map((m) => m.id)).toEqual(['key-1'])
  })

  it('follows update-key rotation and relationship changes', async () => {
    const w = await world('rot')
    const v1 = await w.publish(w.update, { v: 1 })
    await w.anchor(v1)
    // The resolver has the resource view cached here; later changes must extend it correctly.
    expect((await w.resolver.resolveResource(w.url())).version.versionId).toBe(1)
    const fresh = key('rot-new-update')
    await w.anchor(await rotateUpdateKey(await w.resolver.resolveState(w.did), w.update, fresh))
    const byOld = await w.publish(w.update, { v: 'old' }, v1.cid)
    await w.anchor(byOld)
    // key-1 loses assertionMethod.
    await w.anchor(
      await updateDid(await w.resolver.resolveState(w.did), fresh, {
        patches: [{ action: 'set-relationships', id: 'key-1', purposes: ['authentication'] }],
      }),
    )
    const bySigning = await w.publish(w.signing, { v: 'signing' }, v1.cid)
    await w.anchor(bySigning)
    const v2 = await w.publish(fresh, { v: 2 }, v1.cid)
    await w.anchor(v2)
    await expectFold(w, [v1.cid, v2.cid], ['unauthorized', 'unauthorized'])
  })

  it('skips versions anchored before the owner DID exists (no-create)', async () => {
    let now = T0
    const ledger = new MemoryLedger({ clock: () => now })
    const resolver = new GridResolver({ networks: { test: ledger } })
    const d = await newDid('pre')
    const early = await publishResource({
      did: d.create.did,
      resourceId: 'r',
      resourceType: 'Doc',
      content: { v: 'early' },
      signer: d.update,
    })
    await ledger.submit([early])
    now += HOUR
    // The same batch, but the resource first: still before the create.
    const early2 = await publishResource({
      did: d.create.did,
      resourceId: 'r',
      resourceType: 'Doc',
      content: { v: 'early2' },
      signer: d.update,
    })
    await ledger.submit([early2, d.create])
    now += HOUR
    const v1 = await publishResource({ did: d.create.did, resourceId: 'r', resourceType: 'Doc', content: { v: 1 }, signer: d.update })
    await ledger.submit([v1])
    const url = `${d.create.did}/resources/r`
    expect(await resolvedCids(resolver, url)).toEqual([v1.cid])
    const ref = await referenceFold(ledger, d.create.did)
    expect(ref.skipped.map((s) => s.reason)).toEqual(['no-create', 'no-create'])
    expect((await resolver.resolveResource(url)).version).toMatchObject({ versionId: 1, height: 3 })
  })

  it('skips a wrong predecessor and a type change between valid versions', async () => {
    const w = await world('chain')
    const v1 = await w.publish(w.update, { v: 1 })
    await w.anchor(v1)
    const noPrev = await w.publish(w.update, { v: 'no-prev' })
    const otherType = await w.publish(w.update, { v: 'typed' }, v1.cid, 'r', 'Other')
    await w.anchor(noPrev, otherType)
    const v2 = await w.publish(w.update, { v: 2 }, v1.cid)
    await w.anchor(v2)
    const stale = await w.publish(w.update, { v: 'stale' }, v1.cid) // forks off v1 after v2
    await w.anchor(stale)
    const v3 = await w.publish(w.signing, { v: 3 }, v2.cid)
    await w.anchor(v3)
    await expectFold(w, [v1.cid, v2.cid, v3.cid], ['wrong-predecessor', 'type-changed', 'wrong-predecessor'])
  })

  it('skips junk that a faulty ledger returns under the resource key, and continues', async () => {
    const w = await world('inj')
    const v1 = await w.publish(w.update, { v: 1 })
    await w.anchor(v1)
    const v2 = await w.publish(w.update, { v: 2 }, v1.cid)
    await w.anchor(v2)
    // Injected at v1's height, after it: garbage bytes and another resource's version.
    const other = await w.publish(w.update, { v: 'x' }, undefined, 'other')
    w.ledger.extra.set(resourceSuffix(w.did, 'r'), [
      { bytes: utf8Encode('garbage'), height: 2, position: 1, time: T0 + HOUR },
      { bytes: other.bytes, height: 2, position: 2, time: T0 + HOUR },
    ])
    const resolver = new GridResolver({ networks: { test: w.ledger } })
    expect(await resolvedCids(resolver, w.url())).toEqual([v1.cid, v2.cid])
    expect((await referenceFold(w.ledger, w.did)).skipped.map((s) => s.reason)).toEqual(['malformed', 'wrong-did'])
  })
})

describe('owner deactivation', () => {
  it('skips later versions and reports ownerDeactivated as of the read height', async () => {
    const w = await world('deact')
    const v1 = await w.publish(w.update, { v: 1 })
    await w.anchor(v1) // height 2
    const before = await w.resolver.resolveResource(w.url())
    expect(before.ownerDeactivated).toBe(false)
    await w.anchor(await deactivateDid(await w.resolver.resolveState(w.did), w.recovery)) // height 3
    const late = await w.publish(w.update, { v: 2 }, v1.cid)
    await w.anchor(late) // height 4
    await expectFold(w, [v1.cid], ['after-deactivation'])

    const now = await w.resolver.resolveResource(w.url())
    expect(now.version.cid).toBe(v1.cid)
    expect(now.ownerDeactivated).toBe(true)
    expect(now.ledgerHeight).toBe(4)
    const atV1 = await w.resolver.resolveResource(w.url(), { ledgerHeight: 2 })
    expect(atV1.ownerDeactivated).toBe(false)
    expect(atV1.ledgerHeight).toBe(2)
    expect((await w.resolver.resolveResource(w.url(), { ledgerHeight: 3 })).ownerDeactivated).toBe(true)

    const deref = await w.resolver.dereference(w.url())
    expect(deref.contentStream).toEqual({ v: 1 })
    expect(deref.contentMetadata.deactivated).toBe(true)
    const derefOld = await w.resolver.dereference(`${w.url()}?ledgerHeight=2`)
    expect(derefOld.contentMetadata).not.toHaveProperty('deactivated')
  })
})

// ---------------------------------------------------------------------------------------------

describe('resolveResource', () => {
  async function threeVersions() {
    const w = await world('sel')
    const v1 = await w.publish(w.update, { v: 1 })
    const t1 = w.clock()
    await w.anchor(v1) // height 2
    await w.anchor((await newDid('sel-filler')).create) // height 3: another DID, nothing for this resource
    const v2 = await w.publish(w.update, { v: 2 }, v1.cid)
    const t2 = w.clock()
    await w.anchor(v2) // height 4
    const v3 = await w.publish(w.signing, { v: 3 }, v2.cid)
    const t3 = w.clock()
    await w.anchor(v3) // height 5
    return { w, v1, v2, v3, t1, t2, t3 }
  }

  it('returns the latest version with its metadata by default', async () => {
    const { w, v3, t3 } = await threeVersions()
    const r = await w.resolver.resolveResource(w.url())
    expect(r).toEqual({
      id: w.url(),
      did: w.did,
      resourceId: 'r',
      version: {
        versionId: 3,
        cid: v3.cid,
        resourceType: 'Doc',
        content: { v: 3 },
        key: w.signing.publicKeyMultibase,
        height: 5,
        position: 0,
        time: t3,
      },
      nextVersionId: undefined,
      ownerDeactivated: false,
      ledgerHeight: 5,
    })
    expect(Object.isFrozen(r.version)).toBe(true)
    expect(Object.isFrozen(r.version.content)).toBe(true)
  })

  it('selects by versionId (option or URL query), number or string', async () => {
    const { w, v1, v2 } = await threeVersions()
    const one = await w.resolver.resolveResource(w.url(), { versionId: 1 })
    expect(one.version.cid).toBe(v1.cid)
    expect(one.nextVersionId).toBe(2)
    expect((await w.resolver.resolveResource(w.url(), { versionId: '2' })).version.cid).toBe(v2.cid)
    expect((await w.resolver.resolveResource(`${w.url()}?versionId=2`)).version.cid).toBe(v2.cid)
    await expectRejects(
      w.resolver.resolveResource(w.url(), { versionId: 4 }),
      ResourceNotFoundError,
      'ERR_GRID_RESOURCE_NOT_FOUND',
      /\/resources\/r has no version matching versionId 4/,
    )
    // A bad value is the caller's option (RangeError) or the URL's (InvalidDidUrlError), as it came.
    await expect(w.resolver.resolveResource(w.url(), { versionId: 0 })).rejects.toThrow(
      new RangeError('resolution option versionId must be a positive integer without leading zeros'),
    )
    await expectRejects(
      w.resolver.resolveResource(`${w.url()}?versionId=0`),
      InvalidDidUrlError,
      'ERR_GRID_INVALID_DID_URL',
      /versionId must be a positive integer/,
    )
  })

  it('selects by versionTime', async () => {
    const { w, v1, v2, v3, t1, t2, t3 } = await threeVersions()
    expect((await w.resolver.resolveResource(w.url(), { versionTime: iso(t1) })).version.cid).toBe(v1.cid)
    expect((await w.resolver.resolveResource(w.url(), { versionTime: iso(t2 - 1) })).version.cid).toBe(v1.cid)
    expect((await w.resolver.resolveResource(w.url(), { versionTime: iso(t2) })).version.cid).toBe(v2.cid)
    expect((await w.resolver.resolveResource(`${w.url()}?versionTime=${iso(t3 + 10 * HOUR)}`)).version.cid).toBe(v3.cid)
    await expectRejects(
      w.resolver.resolveResource(w.url(), { versionTime: iso(t1 - 1) }),
      ResourceNotFoundError,
      'ERR_GRID_RESOURCE_NOT_FOUND',
      new RegExp(`no version matching versionTime ${iso(t1 - 1)}`),
    )
  })

  it('selects by ledgerHeight, and refuses a height above the head', async () => {
    const { w, v1, v2, v3 } = await threeVersions()
    expect((await w.resolver.resolveResource(w.url(), { ledgerHeight: 2 })).version.cid).toBe(v1.cid)
    const at3 = await w.resolver.resolveResource(w.url(), { ledgerHeight: 3 })
    expect(at3.version.cid).toBe(v1.cid)
    expect(at3.ledgerHeight).toBe(3)
    expect((await w.resolver.resolveResource(w.url(), { ledgerHeight: 4 })).version.cid).toBe(v2.cid)
    expect((await w.resolver.resolveResource(`${w.url()}?ledgerHeight=5`)).version.cid).toBe(v3.cid)
    await expectRejects(
      w.resolver.resolveResource(w.url(), { ledgerHeight: 1 }),
      ResourceNotFoundError,
      'ERR_GRID_RESOURCE_NOT_FOUND',
      /no version matching ledger height 1/,
    )
    const err = await expectRejects(
      w.resolver.resolveResource(w.url(), { ledgerHeight: 6 }),
      HeightNotReachedError,
      'ERR_GRID_HEIGHT_NOT_REACHED',
      /ledger height 6 is above the finalized height 5/,
    )
    expect((err as HeightNotReachedError).height).toBe(6)
    expect((err as HeightNotReachedError).finalizedHeight).toBe(5)
    await expect(w.resolver.resolveResource(w.url(), { versionId: 1, ledgerHeight: 2 })).rejects.toThrow(
      new RangeError('resolution option versionId and ledgerHeight cannot be combined'),
    )
    await expectRejects(
      w.resolver.resolveResource(`${w.url()}?versionId=1&ledgerHeight=2`),
      InvalidDidUrlError,
      'ERR_GRID_INVALID_DID_URL',
      /versionId and ledgerHeight cannot be combined/,
    )
  })

  it('a ledgerHeight read answers as of that height only: no later version shows (deterministic callers)', async () => {
    const { w } = await threeVersions()
    const r = await w.resolver.resolveResource(w.url(), { ledgerHeight: 3 })
    expect(r.version.versionId).toBe(1)
    expect(r.ledgerHeight).toBe(3)
    // Version 2 is anchored at height 4 > 3: invisible to a read pinned at 3.
    expect(r.nextVersionId).toBeUndefined()
    expect((await w.resolver.resolveResource(w.url(), { ledgerHeight: 4 })).version.versionId).toBe(2)
    expect((await w.resolver.resolveResource(w.url(), { versionId: 1 })).nextVersionId).toBe(2)
    const d = await w.resolver.dereference(`${w.url()}?ledgerHeight=3`)
    // contentMetadata.height is where the selected version was anchored, not the height read.
    expect(d.contentMetadata).toMatchObject({ versionId: '1', height: '2' })
    expect(d.contentMetadata).not.toHaveProperty('nextVersionId')
    expect((await w.resolver.resolveResource(w.url())).ledgerHeight).toBe(5)
  })

  it('throws ResourceNotFoundError for a missing resource and for a DID that does not exist', async () => {
    const w = await world('nf')
    await expectRejects(
      w.resolver.resolveResource(w.url('missing')),
      ResourceNotFoundError,
      'ERR_GRID_RESOURCE_NOT_FOUND',
      /\/resources\/missing was not found on the ledger/,
    )
    const ghost = (await newDid('nf-ghost')).create.did
    await expectRejects(
      w.resolver.resolveResource(`${ghost}/resources/r`),
      ResourceNotFoundError,
      'ERR_GRID_RESOURCE_NOT_FOUND',
      /was not found on the ledger/,
    )
  })

  it.each([
    ['a bare DID', ''],
    ['another path', '/files/r'],
    ['a nested resource path', '/resources/r/extra'],
    ['an empty resource id', '/resources/'],
    ['a fragment', '/resources/r#frag'],
  ])('throws InvalidDidUrlError for %s', async (_name, tail) => {
    const w = await world('badurl')
    const message = tail.includes('#') ? /a resource URL has no fragment/ : /is not a resource URL/
    await expectRejects(w.resolver.resolveResource(`${w.did}${tail}`), InvalidDidUrlError, 'ERR_GRID_INVALID_DID_URL', message)
  })
})

describe('dereference of resource URLs', () => {
  async function twoVersions() {
    const w = await world('deref')
    const v1 = await w.publish(w.update, { title: 'one', nested: { list: [1, 2] } }, undefined, 'r', 'JsonSchema')
    await w.anchor(v1)
    const v2 = await w.publish(w.update, { title: 'two', nested: { list: [3] } }, v1.cid, 'r', 'JsonSchema')
    await w.anchor(v2)
    return { w, v1, v2 }
  }

  it('serves the latest content as application/json with resource metadata', async () => {
    const { w, v2 } = await twoVersions()
    const r = await w.resolver.dereference(w.url())
    expect(r.dereferencingMetadata).toEqual({ contentType: 'application/json' })
    expect(r.contentStream).toEqual({ title: 'two', nested: { list: [3] } })
    expect(r.contentMetadata).toMatchObject({ versionId: '2', resourceType: 'JsonSchema', cid: v2.cid, height: '3' })
    expect(r.contentMetadata).not.toHaveProperty('nextVersionId')
    expect(r.contentMetadata.created).toBe(iso(T0 + 2 * HOUR))
  })

  it('gives the caller a copy it may change without affecting later dereferences', async () => {
    const { w } = await twoVersions()
    const first = await w.resolver.dereference(w.url())
    const content = first.contentStream as { title: string; nested: { list: number[] } }
    expect(Object.isFrozen(content)).toBe(false)
    content.title = 'changed'
    content.nested.list.push(99)
    const second = await w.resolver.dereference(w.url())
    expect(second.contentStream).toEqual({ title: 'two', nested: { list: [3] } })
    expect((await w.resolver.resolveResource(w.url())).version.content).toEqual({ title: 'two', nested: { list: [3] } })
  })

  it('honours ?versionId=1 in the URL and reports nextVersionId', async () => {
    const { w, v1 } = await twoVersions()
    const r = await w.resolver.dereference(`${w.url()}?versionId=1`)
    expect(r.dereferencingMetadata.contentType).toBe('application/json')
    expect(r.contentStream).toEqual({ title: 'one', nested: { list: [1, 2] } })
    expect(r.contentMetadata).toMatchObject({ versionId: '1', nextVersionId: '2', resourceType: 'JsonSchema', cid: v1.cid })
    // The same through options.
    expect((await w.resolver.dereference(w.url(), { versionId: 1 })).contentStream).toEqual(r.contentStream)
  })

  it('reports notFound for a missing resource, a missing version, an unknown path and a height above the head', async () => {
    const { w } = await twoVersions()
    const cases: [string, RegExp][] = [
      [w.url('missing'), /\/resources\/missing was not found on the ledger/],
      [`${w.url()}?versionId=3`, /no version matching versionId 3/],
      [`${w.did}/files/r`, /no resource at path \/files\/r/],
      [`${w.did}/resources/r/more`, /no resource at path/],
      [`${w.url()}?ledgerHeight=99`, /ledger height 99 is above the finalized height 3/],
    ]
    for (const [url, message] of cases) {
      const r = await w.resolver.dereference(url)
      expect(r.dereferencingMetadata.error, url).toBe('notFound')
      expect(r.dereferencingMetadata.message, url).toMatch(message)
      expect(r.contentStream).toBeNull()
    }
    const bad = await w.resolver.dereference(`${w.url()}?versionId=1&ledgerHeight=2`)
    expect(bad.dereferencingMetadata).toEqual({ error: 'invalidDidUrl', message: expect.stringMatching(/cannot be combined/) })
    const fragment = await w.resolver.dereference(`${w.url()}#part`)
    expect(fragment.dereferencingMetadata).toEqual({ error: 'invalidDidUrl', message: 'a resource URL has no fragment' })
    const network = await w.resolver.dereference(`${w.url()}`.replace(':test:', ':elsewhere:'))
    expect(network.dereferencingMetadata).toEqual({
      error: 'methodNotSupported',
      message: expect.stringMatching(/no ledger is configured for the network "elsewhere"/),
    })
  })

  it('reports a ledger failure as internalError, not notFound, and does not cache it', async () => {
    const { w } = await twoVersions()
    w.ledger.failReads = true
    const failed = await w.resolver.dereference(w.url('fresh'))
    expect(failed.dereferencingMetadata.error).toBe('internalError')
    expect(failed.dereferencingMetadata.message).toMatch(/ledger of network "test" failed: connection refused \(injected\)/)
    expect(failed.contentStream).toBeNull()
    await expectRejects(
      w.resolver.resolveResource(w.url('fresh')),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      /connection refused \(injected\)/,
    )
    w.ledger.failReads = false
    const v = await w.publish(w.update, { ok: true }, undefined, 'fresh')
    await w.anchor(v)
    const ok = await w.resolver.dereference(w.url('fresh'))
    expect(ok.dereferencingMetadata).toEqual({ contentType: 'application/json' })
    expect(ok.contentStream).toEqual({ ok: true })
  })
})

describe('DID resolution next to resources', () => {
  it('is unaffected by many resource versions', async () => {
    const w = await world('many')
    const before = await w.resolver.resolve(w.did)
    let prev: EncodedOperation<ResourceOperation> | undefined
    for (let i = 1; i <= 30; i++) {
      prev = await w.publish(i % 2 ? w.update : w.signing, { i }, prev?.cid)
      await w.anchor(prev)
    }
    expect((await w.resolver.resolveResource(w.url())).version.versionId).toBe(30)
    const after = await w.resolver.resolve(w.did)
    expect(after.didDocument).toEqual(before.didDocument)
    expect(after.didDocumentMetadata.versionId).toBe('1')
    expect(after.didDocumentMetadata).not.toHaveProperty('nextVersionId')
    expect(after.didDocumentMetadata).not.toHaveProperty('updated')
    const history = await w.resolver.history(w.did)
    expect(history.operations).toHaveLength(1)
    expect(history.operations.map((o) => o.type)).toEqual(['create'])
    expect(history.operations.some((o) => o.type === 'resource')).toBe(false)
    expect(await w.ledger.read(parseDid(w.did).suffix)).toHaveLength(1)
    expect(await w.ledger.read(resourceSuffix(w.did, 'r'))).toHaveLength(30)
  })

  it('skips a resource operation folded into a DID log as wrong-did', async () => {
    const d = await newDid('mix')
    const v = await publishResource({ did: d.create.did, resourceId: 'r', resourceType: 'Doc', content: {}, signer: d.update })
    const h = foldOperations(d.create.did, [
      { bytes: d.create.bytes, height: 1, position: 0, time: T0 },
      { bytes: v.bytes, height: 2, position: 0, time: T0 + HOUR },
    ])
    expect(h.versions).toHaveLength(1)
    expect(h.skipped).toEqual([
      expect.objectContaining({ type: 'resource', reason: 'wrong-did', message: expect.stringMatching(/not part of a DID log/) }),
    ])
  })
})

describe('anchorResource', () => {
  const target = (w: Awaited<ReturnType<typeof world>>) => ({ ledger: w.ledger, resolver: w.resolver })

  it('is idempotent: the same content twice anchors one version', async () => {
    const w = await world('idem')
    const first = await anchorResource({ did: w.did, signer: w.signing }, target(w), 'cfg', 'Config', { a: 1, b: { c: 'x' } })
    expect(first).toMatchObject({ versionId: 1, resourceType: 'Config', content: { a: 1, b: { c: 'x' } } })
    const head = (await w.ledger.head()).height
    // Same content, keys in another order: canonically equal.
    const again = await anchorResource({ did: w.did, signer: w.update }, target(w), 'cfg', 'Config', { b: { c: 'x' }, a: 1 })
    expect(again.cid).toBe(first.cid)
    expect(again.versionId).toBe(1)
    expect((await w.ledger.head()).height).toBe(head)
    expect(await w.ledger.read(resourceSuffix(w.did, 'cfg'))).toHaveLength(1)
    // New content chains on.
    const next = await anchorResource({ did: w.did, signer: w.signing }, target(w), 'cfg', 'Config', { a: 2 })
    expect(next.versionId).toBe(2)
    expect((await w.resolver.resolveResource(w.url('cfg'))).version.cid).toBe(next.cid)
    expect((await referenceFold(w.ledger, w.did, 'cfg')).skipped).toEqual([])
  })

  it.each([
    ['a stranger key', () => key('anchor-stranger')],
    ['the recovery key', () => key('anchor-recovery')],
    ['an authentication-only key', () => key('anchor-login')],
  ])('refuses %s as unauthorized and anchors nothing', async (_name, signer) => {
    const w = await world('anchor', {
      verificationMethods: [vm('key-1', key('anchor-signing')), vm('login', key('anchor-login'), ['authentication'])],
    })
    const head = await w.ledger.head()
    await expectRejects(
      anchorResource({ did: w.did, signer: signer() }, target(w), 'cfg', 'Config', { a: 1 }),
      InvalidOperationError,
      'ERR_GRID_INVALID_OPERATION',
      /^the resource of did:grid:test:\S+ would not apply, so it was not anchored: not signed by the owner's update key or an assertionMethod key$/,
    ).then((err) => expect((err as InvalidOperationError).reason).toBe('unauthorized'))
    expect(await w.ledger.head()).toEqual(head)
    await expectRejects(w.resolver.resolveResource(w.url('cfg')), ResourceNotFoundError, 'ERR_GRID_RESOURCE_NOT_FOUND', /was not found/)
  })

  it('refuses once the owner is deactivated', async () => {
    const w = await world('anchor-deact')
    await anchorResource({ did: w.did, signer: w.signing }, target(w), 'cfg', 'Config', { a: 1 })
    await w.anchor(await deactivateDid(await w.resolver.resolveState(w.did), w.recovery))
    const head = await w.ledger.head()
    const err = await expectRejects(
      anchorResource({ did: w.did, signer: w.update }, target(w), 'cfg', 'Config', { a: 2 }),
      InvalidOperationError,
      'ERR_GRID_INVALID_OPERATION',
      /would not apply, so it was not anchored: the owner DID is deactivated$/,
    )
    expect((err as InvalidOperationError).reason).toBe('after-deactivation')
    expect(await w.ledger.head()).toEqual(head)
  })

  it('refuses a type change', async () => {
    const w = await world('anchor-type')
    const v1 = await anchorResource({ did: w.did, signer: w.signing }, target(w), 'cfg', 'Config', { a: 1 })
    const head = await w.ledger.head()
    const err = await expectRejects(
      anchorResource({ did: w.did, signer: w.signing }, target(w), 'cfg', 'Other', { a: 2 }),
      InvalidOperationError,
      'ERR_GRID_INVALID_OPERATION',
      /\/resources\/cfg is a Config, not a Other/,
    )
    expect((err as InvalidOperationError).reason).toBe('type-changed')
    // Even with unchanged content.
    const same = await expectRejects(
      anchorResource({ did: w.did, signer: w.signing }, target(w), 'cfg', 'Other', { a: 1 }),
      InvalidOperationError,
      'ERR_GRID_INVALID_OPERATION',
      /is a Config, not a Other/,
    )
    expect((same as InvalidOperationError).reason).toBe('type-changed')
    expect(await w.ledger.head()).toEqual(head)
    expect((await w.resolver.resolveResource(w.url('cfg'))).version.cid).toBe(v1.cid)
  })
})
