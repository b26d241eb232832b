import { Resolver } from 'did-resolver'
import { describe, expect, it } from 'vitest'
import {
  DidNotFoundError,
  GridResolver,
  InvalidDidError,
  LedgerUnavailableError,
  MemoryLedger,
  UnknownNetworkError,
  getResolver,
  rotateUpdateKey,
  updateDid,
  deactivateDid,
  recoverDid,
  anchorResource,
  type DIDDereferencingResult,
  type Ledger,
} from '../../src/index.js'
import { key, newDid, vm } from '../helpers.js'

const T0 = 1_767_225_600 // 2026-01-01T00:00:00Z

async function world() {
  let now = T0
  const ledger = new MemoryLedger({ clock: () => now })
  const resolver = new GridResolver({ networks: { test: ledger } })
  const d = await newDid('r')
  await ledger.submit([d.create])
  const tick = () => (now += 3600)
  return { ledger, resolver, ...d, did: d.create.did, tick }
}

/** A ledger that can be switched to fail, around a real MemoryLedger (fault injection). */
class FlakyLedger implements Ledger {
  failing = false
  reads = 0
  constructor(readonly inner: Ledger) {}
  #check() {
    if (this.failing) throw new LedgerUnavailableError('connection refused (injected)')
  }
  async submit(ops: Parameters<Ledger['submit']>[0]) {
    return this.inner.submit(ops)
  }
  async read(suffix: string, options?: Parameters<Ledger['read']>[1]) {
    this.#check()
    this.reads++
    return this.inner.read(suffix, options)
  }
  async head() {
    this.#check()
    return this.inner.head()
  }
  async batch(height: number) {
    return this.inner.batch(height)
  }
  async close() {
    return this.inner.close()
  }
}

describe('resolve', () => {
  it('returns a DID Core document as data: no contentType (DID Core §7.1.2), every metadata value a string (§7.3)', async () => {
    const { resolver, did, signing, create } = await world()
    const r = await resolver.resolve(did)
    expect(r.didResolutionMetadata).toEqual({})
    expect(r.didDocument).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [{ id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: signing.publicKeyMultibase }],
      authentication: [`${did}#key-1`],
      assertionMethod: [`${did}#key-1`],
    })
    expect(r.didDocumentMetadata).toEqual({
      created: '2026-01-01T00:00:00Z',
      versionId: '1',
      method: {
        head: create.cid,
        recoveryHead: create.cid,
        updateKey: key('r-update').publicKeyMultibase,
        recoveryKey: key('r-recovery').publicKeyMultibase,
        ledgerHeight: '1',
      },
    })
  })

  it('drops @context for application/did+json and refuses other representations', async () => {
    const { resolver, did } = await world()
    const json = await resolver.resolve(did, { accept: 'application/did+json' })
    expect(json.didResolutionMetadata).toEqual({})
    expect(json.didDocument).not.toHaveProperty('@context')
    const cbor = await resolver.resolve(did, { accept: 'application/did+cbor' })
    expect(cbor.didResolutionMetadata.error).toBe('representationNotSupported')
    expect(cbor.didDocument).toBeNull()
  })

  it('resolveRepresentation: the document as bytes of the representation asked for, with its contentType', async () => {
    const { resolver, did } = await world()
    const resolved = await resolver.resolve(did)
    const ld = await resolver.resolveRepresentation(did)
    expect(ld.didResolutionMetadata).toEqual({ contentType: 'application/did+ld+json' })
    expect(JSON.parse(ld.didDocumentStream)).toEqual(resolved.didDocument)
    expect(ld.didDocumentMetadata).toEqual(resolved.didDocumentMetadata)
    const plain = await resolver.resolveRepresentation(`${did}?versionId=1`, { accept: 'application/did+json' })
    expect(plain.didResolutionMetadata).toEqual({ contentType: 'application/did+json' })
    expect(JSON.parse(plain.didDocumentStream)).not.toHaveProperty('@context')
    const cbor = await resolver.resolveRepresentation(did, { accept: 'application/did+cbor' })
    expect(cbor).toEqual({
      didResolutionMetadata: {
        error: 'representationNotSupported',
        message: expect.stringMatching(/cannot produce application\/did\+cbor/),
      },
      didDocumentStream: '',
      didDocumentMetadata: {},
    })
    const missing = await resolver.resolveRepresentation((await newDid('nobody')).create.did)
    expect([missing.didResolutionMetadata.error, missing.didDocumentStream]).toEqual(['notFound', ''])
  })

  it('reports every error code as data, never a throw', async () => {
    const { resolver, did } = await world()
    const other = (await newDid('nobody')).create.did
    const cases: [string, string, object?][] = [
      ['did:grid:test:short', 'invalidDid'],
      // A DID of another method is a DID this resolver does not serve; only a non-DID is invalidDid.
      ['did:web:example.com', 'methodNotSupported'],
      ['did:example:123', 'methodNotSupported'],
      ['did:example:a:b%20c', 'methodNotSupported'],
      ['did:example:123?versionId=1', 'methodNotSupported'],
      ['did:example:', 'invalidDid'],
      ['did:Example:123', 'invalidDid'],
      ['did:example:12 3', 'invalidDid'],
      ['did:example:123:', 'invalidDid'],
      ['urn:example:123', 'invalidDid'],
      [`${did}#key-1`, 'invalidDid'],
      [`${did}?versionId=0`, 'invalidDidUrl'],
      [`${did}?versionTime=yesterday`, 'invalidDidUrl'],
      // A bad value in the options is the options' fault (DID Resolution invalidOptions), not the DID URL's.
      [did, 'invalidOptions', { versionId: 'two' }],
      [did, 'invalidOptions', { versionTime: 'garbage' }],
      [did, 'invalidOptions', { ledgerHeight: -1 }],
      [did, 'invalidOptions', { ledgerHeight: 1.5 }],
      [did, 'invalidOptions', { versionId: 1, versionTime: '2026-01-01T00:00:00Z' }],
      // A DID URL selecting otherwise than the options is the URL's fault (a URL from a credential may not override a pinned height).
      [`${did}?versionId=1`, 'invalidDidUrl', { versionTime: '2026-01-01T00:00:00Z' }],
      [`${did}?ledgerHeight=-1`, 'invalidDidUrl'],
      [other, 'notFound'],
      [`${did}?versionId=9`, 'notFound'],
      [`${did}?versionTime=2025-12-31T23:59:59Z`, 'notFound'],
      [did, 'representationNotSupported', { accept: 'text/html' }],
      [other.replace(':test:', ':elsewhere:'), 'methodNotSupported'],
    ]
    for (const [input, error, options] of cases) {
      const r = await resolver.resolve(input, options as never)
      expect(r.didResolutionMetadata.error, input).toBe(error)
      if (error === 'methodNotSupported' && input.startsWith('did:example'))
        expect(r.didResolutionMetadata.message).toBe('this resolver serves did:grid, not did:example')
      expect(typeof r.didResolutionMetadata.message).toBe('string')
      expect(r.didDocument).toBeNull()
    }
  })

  it('reports a ledger outage as internalError (not notFound), and does not cache it', async () => {
    const inner = new MemoryLedger()
    const flaky = new FlakyLedger(inner)
    const resolver = new GridResolver({ networks: { test: flaky } })
    const d = await newDid('flaky')
    await inner.submit([d.create])
    flaky.failing = true
    const down = await resolver.resolve(d.create.did)
    expect(down.didResolutionMetadata.error).toBe('internalError')
    expect(down.didResolutionMetadata.message).toMatch(/connection refused/)
    const unknown = await resolver.resolve((await newDid('nobody')).create.did)
    expect(unknown.didResolutionMetadata.error).toBe('internalError')
    flaky.failing = false
    const up = await resolver.resolve(d.create.did)
    expect(up.didResolutionMetadata.error).toBeUndefined()
    expect(up.didDocument!.id).toBe(d.create.did)
    await expect(
      (async () => {
        flaky.failing = true
        await resolver.resolveState(d.create.did)
      })(),
    ).rejects.toBeInstanceOf(LedgerUnavailableError)
  })

  it('serves cached views keyed to the head: a rotation is visible on the next resolve, unchanged heads read nothing', async () => {
    const inner = new MemoryLedger()
    const flaky = new FlakyLedger(inner)
    const resolver = new GridResolver({ networks: { test: flaky } })
    const d = await newDid('cache')
    await inner.submit([d.create])
    await resolver.resolve(d.create.did)
    const readsAfterFirst = flaky.reads
    await resolver.resolve(d.create.did)
    expect(flaky.reads).toBe(readsAfterFirst)
    const next = key('cache-next')
    await inner.submit([await rotateUpdateKey(await resolver.resolveState(d.create.did), d.update, next)])
    const r = await resolver.resolve(d.create.did)
    expect(r.didDocumentMetadata.versionId).toBe('2')
    expect((r.didDocumentMetadata.method as { updateKey: string }).updateKey).toBe(next.publicKeyMultibase)
    expect(flaky.reads).toBe(readsAfterFirst + 1)
    // An unrelated batch moves the head: the view is extended with an empty delta read.
    await inner.submit([(await newDid('unrelated')).create])
    expect((await resolver.resolve(d.create.did)).didDocumentMetadata.versionId).toBe('2')
  })

  it('never throws, whatever the arguments', async () => {
    const { resolver } = await world()
    expect((await resolver.resolve(undefined as never)).didResolutionMetadata.error).toBe('invalidDid')
    expect((await resolver.resolve(42 as never, null as never)).didResolutionMetadata.error).toBe('invalidDid')
    expect((await resolver.dereference(42 as never)).dereferencingMetadata.error).toBe('invalidDidUrl')
    expect((await resolver.dereference({} as never, null as never)).dereferencingMetadata.error).toBe('invalidDidUrl')
  })

  it('hands out documents the caller owns and states nobody can alter', async () => {
    const { ledger, resolver, did, update } = await world()
    await ledger.submit([
      await updateDid(await resolver.resolveState(did), update, {
        patches: [{ action: 'add-service', service: { id: 'dr', type: 'X', serviceEndpoint: { origins: ['https://dr.example'] } } }],
      }),
    ])
    const first = await resolver.resolve(did)
    ;(first.didDocument!.service![0]!.serviceEndpoint as { origins: string[] }).origins.push('https://evil.example')
    first.didDocument!.authentication!.push('x')
    const again = await resolver.resolve(did)
    expect(again.didDocument!.service![0]!.serviceEndpoint).toEqual({ origins: ['https://dr.example'] })
    expect(again.didDocument!.authentication).toEqual([`${did}#key-1`])
    const state = await resolver.resolveState(did)
    expect(() => (state.verificationMethods[0]!.purposes as string[]).push('capabilityInvocation')).toThrow(TypeError)
    expect(() => ((state as { updateKey: string }).updateKey = 'x')).toThrow(TypeError)
    expect(Object.isFrozen(state.services[0]!.serviceEndpoint)).toBe(true)
  })

  it('gives the same answers with the cache disabled, and validates the configuration', async () => {
    const { ledger, did } = await world()
    const uncached = new GridResolver({ networks: { test: ledger }, cache: false })
    expect((await uncached.resolve(did)).didDocument!.id).toBe(did)
    expect(() => new GridResolver({} as never)).toThrow(TypeError)
    expect(() => new GridResolver({ networks: {}, cache: { maxEntries: -1 } })).toThrow(RangeError)
    const small = new GridResolver({ networks: { test: ledger }, cache: { maxEntries: 1 } })
    const other = await newDid('evict')
    await ledger.submit([other.create])
    expect((await small.resolve(did)).didDocument!.id).toBe(did)
    expect((await small.resolve(other.create.did)).didDocument!.id).toBe(other.create.did)
    expect((await small.resolve(did)).didDocument!.id).toBe(did)
    expect(small.networks).toEqual(['test'])
  })

  it('shares one ledger read among concurrent resolutions of the same DID', async () => {
    const inner = new MemoryLedger()
    const flaky = new FlakyLedger(inner)
    const resolver = new GridResolver({ networks: { test: flaky } })
    const d = await newDid('concurrent')
    await inner.submit([d.create])
    const results = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(d.create.did)))
    expect(results.every((r) => r.didDocument?.id === d.create.did)).toBe(true)
    expect(flaky.reads).toBe(1)
  })
})

describe('versions', () => {
  it('resolves every past version by versionId and versionTime, with next* metadata', async () => {
    const { ledger, resolver, did, update, tick } = await world()
    tick()
    await ledger.submit([
      await updateDid(await resolver.resolveState(did), update, {
        patches: [{ action: 'add-service', service: { id: 's1', type: 'X', serviceEndpoint: 'https://one.example' } }],
      }),
    ])
    tick()
    await ledger.submit([
      await updateDid(await resolver.resolveState(did), update, {
        patches: [{ action: 'add-service', service: { id: 's2', type: 'X', serviceEndpoint: 'https://two.example' } }],
      }),
    ])
    const services = (r: Awaited<ReturnType<typeof resolver.resolve>>) => (r.didDocument!.service ?? []).map((s) => s.id.split('#')[1])

    const v1 = await resolver.resolve(`${did}?versionId=1`)
    expect(services(v1)).toEqual([])
    expect(v1.didDocumentMetadata).toMatchObject({
      versionId: '1',
      nextVersionId: '2',
      nextUpdate: '2026-01-01T01:00:00Z',
      created: '2026-01-01T00:00:00Z',
    })
    expect(v1.didDocumentMetadata.updated).toBeUndefined()
    const v2 = await resolver.resolve(did, { versionId: 2 })
    expect(services(v2)).toEqual(['s1'])
    expect(v2.didDocumentMetadata).toMatchObject({
      versionId: '2',
      updated: '2026-01-01T01:00:00Z',
      nextVersionId: '3',
      nextUpdate: '2026-01-01T02:00:00Z',
    })
    const latest = await resolver.resolve(did)
    expect(services(latest)).toEqual(['s1', 's2'])
    expect(latest.didDocumentMetadata.nextVersionId).toBeUndefined()
    expect(latest.didDocumentMetadata.nextUpdate).toBeUndefined()

    expect(services(await resolver.resolve(`${did}?versionTime=2026-01-01T00:59:59Z`))).toEqual([])
    expect(services(await resolver.resolve(`${did}?versionTime=2026-01-01T01:00:00Z`))).toEqual(['s1'])
    expect(services(await resolver.resolve(did, { versionTime: '2030-01-01T00:00:00Z' }))).toEqual(['s1', 's2'])
  })

  it('resolves as of a ledger height (deterministic callers), refusing heights not yet final', async () => {
    const { ledger, resolver, did, update, tick } = await world()
    await ledger.submit([(await newDid('filler')).create])
    tick()
    await ledger.submit([
      await updateDid(await resolver.resolveState(did), update, {
        patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://h3.example'] }],
      }),
    ])
    const at = async (ledgerHeight: number) => (await resolver.resolve(did, { ledgerHeight })).didDocumentMetadata.versionId
    expect(await at(1)).toBe('1')
    expect(await at(2)).toBe('1')
    expect(await at(3)).toBe('2')
    expect((await resolver.resolve(`${did}?ledgerHeight=2`)).didDocumentMetadata.versionId).toBe('1')
    const future = await resolver.resolve(did, { ledgerHeight: 4 })
    expect(future.didResolutionMetadata).toMatchObject({
      error: 'notFound',
      message: expect.stringMatching(/above the finalized height 3/),
    })
    expect((await resolver.resolve(did, { ledgerHeight: 0 })).didResolutionMetadata.error).toBe('notFound')
    expect((await resolver.resolve(did, { ledgerHeight: -1 })).didResolutionMetadata).toEqual({
      error: 'invalidOptions',
      message: 'resolution option ledgerHeight must be a non-negative integer',
    })
    expect((await resolver.resolve(did, { ledgerHeight: 2, versionId: 1 })).didResolutionMetadata.error).toBe('invalidOptions')
    expect((await resolver.resolve(`${did}?ledgerHeight=-1`)).didResolutionMetadata).toEqual({
      error: 'invalidDidUrl',
      message: 'ledgerHeight must be a non-negative integer',
    })
  })

  it('resolves a key that was since rotated away as of its time (history is first-class)', async () => {
    const { ledger, resolver, did, update, signing, tick } = await world()
    tick()
    await ledger.submit([
      await updateDid(await resolver.resolveState(did), update, {
        patches: [
          { action: 'remove-verification-method', id: 'key-1' },
          { action: 'add-verification-method', method: vm('key-2', key('r-signing-2')) },
        ],
      }),
    ])
    const then = await resolver.dereference(`${did}?versionTime=2026-01-01T00:30:00Z#key-1`)
    expect((then.contentStream as { publicKeyMultibase: string }).publicKeyMultibase).toBe(signing.publicKeyMultibase)
    expect((await resolver.dereference(`${did}#key-1`)).dereferencingMetadata.error).toBe('notFound')
  })

  it('resolves a deactivated DID with no keys, deactivated: true, and its earlier versions intact but marked deactivated', async () => {
    const { ledger, resolver, did, recovery, tick } = await world()
    tick()
    await ledger.submit([await deactivateDid(await resolver.resolveState(did), recovery)])
    const r = await resolver.resolve(did)
    expect(r.didResolutionMetadata.error).toBeUndefined()
    expect(r.didDocument).toEqual({ '@context': expect.any(Array), id: did })
    expect(r.didDocumentMetadata).toMatchObject({ deactivated: true, versionId: '2', updated: '2026-01-01T01:00:00Z' })
    const before = await resolver.resolve(`${did}?versionId=1`)
    expect(before.didDocument!.verificationMethod).toHaveLength(1)
    // DID Core §7.3.2.3: once deactivated, every resolved version says so.
    expect(before.didDocumentMetadata.deactivated).toBe(true)
    expect(before.didDocumentMetadata.nextVersionId).toBe('2')
  })
})

describe('dereference', () => {
  async function withService() {
    const w = await world()
    await w.ledger.submit([
      await updateDid(await w.resolver.resolveState(w.did), w.update, {
        patches: [
          { action: 'add-service', service: { id: 'dr', type: 'DemandResponse', serviceEndpoint: 'https://dr.example/api/' } },
          { action: 'add-service', service: { id: 'multi', type: 'X', serviceEndpoint: ['https://a.example', 'https://b.example'] } },
          { action: 'add-service', service: { id: 'map', type: 'X', serviceEndpoint: { origins: ['https://c.example'] } } },
        ],
      }),
    ])
    return w
  }

  it('returns the document, a verification method, or a service by fragment', async () => {
    const { resolver, did, signing } = await withService()
    const doc = await resolver.dereference(did)
    expect((doc.contentStream as { id: string }).id).toBe(did)
    const vmResult = await resolver.dereference(`${did}#key-1`)
    expect(vmResult.dereferencingMetadata.contentType).toBe('application/did+ld+json')
    expect(vmResult.contentStream).toMatchObject({
      id: `${did}#key-1`,
      type: 'Multikey',
      publicKeyMultibase: signing.publicKeyMultibase,
      '@context': expect.any(Array),
    })
    expect(await resolver.dereference(`${did}#dr`)).toMatchObject({
      contentStream: { id: `${did}#dr`, serviceEndpoint: 'https://dr.example/api/' },
    })
    const plain = await resolver.dereference(`${did}#key-1`, { accept: 'application/did+json' })
    expect(plain.contentStream).not.toHaveProperty('@context')
  })

  it('selects a service endpoint and applies relativeRef (DID Core §3.2.1)', async () => {
    const { resolver, did } = await withService()
    expect(await resolver.dereference(`${did}?service=dr`)).toMatchObject({
      dereferencingMetadata: { contentType: 'text/uri-list' },
      contentStream: 'https://dr.example/api/',
    })
    expect((await resolver.dereference(`${did}?service=dr&relativeRef=bids%2F7`)).contentStream).toBe('https://dr.example/api/bids/7')
    expect((await resolver.dereference(`${did}?service=dr&relativeRef=%2Froot#frag`)).contentStream).toBe('https://dr.example/root#frag')
    expect((await resolver.dereference(`${did}?service=multi`)).contentStream).toEqual(['https://a.example', 'https://b.example'])
    expect(await resolver.dereference(`${did}?service=map`)).toMatchObject({
      dereferencingMetadata: { contentType: 'application/json' },
      contentStream: { origins: ['https://c.example'] },
    })
  })

  it("weighs accept against the service endpoint's own media type, not the document's", async () => {
    const { resolver, did } = await withService()
    expect(await resolver.dereference(`${did}?service=dr`, { accept: 'text/uri-list' })).toMatchObject({
      dereferencingMetadata: { contentType: 'text/uri-list' },
      contentStream: 'https://dr.example/api/',
    })
    expect(await resolver.dereference(`${did}?service=dr&relativeRef=x`, { accept: 'text/uri-list' })).toMatchObject({
      dereferencingMetadata: { contentType: 'text/uri-list' },
      contentStream: 'https://dr.example/api/x',
    })
    expect(await resolver.dereference(`${did}?service=map`, { accept: 'application/json' })).toMatchObject({
      dereferencingMetadata: { contentType: 'application/json' },
    })
    for (const [service, accept, own] of [
      ['dr', 'application/did+json', 'text/uri-list'],
      ['dr&relativeRef=x', 'application/did+ld+json', 'text/uri-list'],
      ['map', 'text/uri-list', 'application/json'],
    ] as const) {
      expect(await resolver.dereference(`${did}?service=${service}`, { accept }), `${service} ${accept}`).toEqual({
        dereferencingMetadata: {
          error: 'representationNotSupported',
          message: `the endpoint of service "${service.split('&')[0]}" is ${own}, not ${accept}`,
        },
        contentStream: null,
        contentMetadata: {},
      })
    }
  })

  it('reports dereferencing errors as data', async () => {
    const { resolver, did } = await withService()
    const cases: [string, string][] = [
      [`${did}#nope`, 'notFound'],
      [`${did}?service=nope`, 'notFound'],
      [`${did}?service=multi&relativeRef=x`, 'notFound'],
      [`${did}/resources/schema`, 'notFound'],
      [`${did}?service=dr&relativeRef=https%3A%2F%2Fevil.example%2F`, 'invalidDidUrl'],
      [`${did}?service=dr&relativeRef=%2F%2Fevil.example%2Fx`, 'invalidDidUrl'],
      [`${did}#bad fragment`, 'invalidDidUrl'],
      ['did:grid:test:x#key-1', 'invalidDidUrl'],
      ['did:example:123#key-1', 'methodNotSupported'],
      ['did:example:123/resources/x', 'methodNotSupported'],
      ['did:exa mple:123#key-1', 'invalidDidUrl'],
      [`${(await newDid('nobody')).create.did}#key-1`, 'notFound'],
    ]
    for (const [url, error] of cases) {
      const r = await resolver.dereference(url)
      expect(r.dereferencingMetadata.error, url).toBe(error)
      expect(r.contentStream).toBeNull()
    }
    // Bad options are invalidOptions, for a service, a fragment and a resource alike.
    for (const url of [`${did}?service=dr`, `${did}#key-1`, `${did}/resources/schema`]) {
      const r = await resolver.dereference(url, { ledgerHeight: -1 })
      expect(r.dereferencingMetadata, url).toEqual({
        error: 'invalidOptions',
        message: 'resolution option ledgerHeight must be a non-negative integer',
      })
    }
    expect((await resolver.dereference(`${did}/resources/schema?ledgerHeight=-1`)).dereferencingMetadata.error).toBe('invalidDidUrl')
    await expect(resolver.resolveResource(`${did}/resources/schema`, { versionTime: 'garbage' })).rejects.toThrow(
      new RangeError('resolution option versionTime must be a UTC timestamp like 2026-01-31T08:00:00Z'),
    )
  })
})

describe('metadata values (DID Core §7.3: strings, maps, lists, booleans and null, never numbers)', () => {
  /** JSON Pointers of every number inside `value`. */
  function numbers(value: unknown, at = ''): string[] {
    if (typeof value === 'number') return [at]
    if (typeof value !== 'object' || value === null) return []
    return Object.entries(value).flatMap(([k, v]) => numbers(v, `${at}/${k}`))
  }

  it('resolution, resolveRepresentation and every kind of dereference give no number in any metadata', async () => {
    const w = await world()
    w.tick()
    await w.ledger.submit([
      await updateDid(await w.resolver.resolveState(w.did), w.update, {
        patches: [{ action: 'add-service', service: { id: 'dr', type: 'X', serviceEndpoint: 'https://dr.example/' } }],
      }),
    ])
    await anchorResource({ did: w.did, signer: w.signing }, { ledger: w.ledger, resolver: w.resolver }, 'tariffs', 'TariffTable', {
      peak: 15,
    })
    await anchorResource({ did: w.did, signer: w.signing }, { ledger: w.ledger, resolver: w.resolver }, 'tariffs', 'TariffTable', {
      peak: 16,
    })
    const latest = await w.resolver.resolve(w.did)
    expect(latest.didDocumentMetadata.method).toMatchObject({ ledgerHeight: '4' })
    const results = [
      latest,
      await w.resolver.resolve(`${w.did}?versionId=1`),
      await w.resolver.resolve(w.did, { ledgerHeight: 1 }),
      await w.resolver.resolveRepresentation(w.did),
      await w.resolver.dereference(`${w.did}#key-1`),
      await w.resolver.dereference(`${w.did}?service=dr`),
      await w.resolver.dereference(`${w.did}/resources/tariffs`),
      await w.resolver.dereference(`${w.did}/resources/tariffs?versionId=1`),
    ]
    const resource = results[7] as DIDDereferencingResult
    expect(resource.contentMetadata).toMatchObject({ versionId: '1', nextVersionId: '2', height: '3' })
    for (const r of results) {
      const { didDocument: _d, contentStream: _c, didDocumentStream: _s, ...metadata } = r as unknown as Record<string, unknown>
      expect(numbers(metadata), JSON.stringify(metadata)).toEqual([])
    }
  })
})

describe('dereference: service endpoints handed out as URIs (text/uri-list)', () => {
  // Anchorable (the method's URI rule allows them), but never handed out as a URI to follow.
  const hostile: [string, string | string[], RegExp][] = [
    ['c1', 'https://dr.example/\u0085x', /contains U\+0085 at index 19/],
    ['c1b', 'https://dr.example/\u009b31m', /contains U\+009B/],
    ['rlo', 'https://dr.example/\u202Egpj.exe', /contains U\+202E/],
    ['lri', 'https://dr.example/\u2066x\u2069', /contains U\+2066/],
    ['lrm', 'https://dr.example/\u200Fx', /contains U\+200F/],
    // Invisible format characters, and any other non-ASCII character: URIs are ASCII (RFC 3986).
    ['wj', 'https://pay\u2060pal.example/', /contains U\+2060 at index 11/],
    ['shy', 'https://pay\u00ADpal.example/', /contains U\+00AD/],
    ['mvs', 'https://dr.example/\u180E', /contains U\+180E/],
    ['iaa', 'https://dr.example/\uFFF9', /contains U\+FFF9/],
    ['tag', 'https://dr.example/\u{E0041}', /contains U\+E0041 at index 19/],
    ['iss', 'https://dr.example/\u206A', /contains U\+206A/],
    ['idn', 'https://\u4F8B.example/', /contains U\+4F8B/],
    ['js', 'javascript:alert(1)', /scheme "javascript" is not one of did, http, https, urn, ws, wss/],
    ['jsupper', 'JavaScript:alert(1)', /scheme "javascript"/],
    ['data', 'data:text/html,<script>alert(1)</script>', /scheme "data"/],
    ['vbs', 'vbscript:msgbox(1)', /scheme "vbscript"/],
    ['file', 'file:///etc/', /scheme "file"/],
    [
      'mixed',
      ['https://ok.example', 'javascript:alert(1)'],
      /the endpoint 1 of service "mixed" is not handed out: its scheme "javascript"/,
    ],
  ]

  it('refuses controls (C0, C1, U+0085), bidi marks, overrides and isolates, and schemes off the allow-list', async () => {
    const w = await world()
    const services = [
      ...hostile.map(([id, serviceEndpoint]) => ({ id, type: 'X', serviceEndpoint })),
      { id: 'fine', type: 'X', serviceEndpoint: ['did:grid:test:x', 'urn:uuid:1', 'wss://a.example/s', 'http://b.example'] },
    ]
    await w.ledger.submit([
      await updateDid(await w.resolver.resolveState(w.did), w.update, {
        patches: services.map((service) => ({ action: 'add-service' as const, service })),
      }),
    ])
    for (const [id, , message] of hostile) {
      const r = await w.resolver.dereference(`${w.did}?service=${id}`)
      expect(r, id).toEqual({
        dereferencingMetadata: { error: 'notAllowedServiceEndpoint', message: expect.stringMatching(message) },
        contentStream: null,
        contentMetadata: {},
      })
    }
    // Not echoed: the message names the code point, never the text.
    expect((await w.resolver.dereference(`${w.did}?service=rlo`)).dereferencingMetadata.message).not.toMatch(/\u202E/)
    // relativeRef resolved against a refused scheme is refused too (file: keeps its "origin").
    const fileRef = await w.resolver.dereference(`${w.did}?service=file&relativeRef=passwd`)
    expect(fileRef.dereferencingMetadata).toMatchObject({
      error: 'notAllowedServiceEndpoint',
      message: expect.stringMatching(/scheme "file"/),
    })
    // An opaque base (javascript:, data:) takes no relativeRef at all.
    expect((await w.resolver.dereference(`${w.did}?service=js&relativeRef=x`)).dereferencingMetadata.error).toBe('invalidDidUrl')
    expect(await w.resolver.dereference(`${w.did}?service=fine`)).toMatchObject({
      dereferencingMetadata: { contentType: 'text/uri-list' },
      contentStream: ['did:grid:test:x', 'urn:uuid:1', 'wss://a.example/s', 'http://b.example'],
    })
    // The document itself still lists them, as anchored: only handing them out as URIs is refused.
    expect((await w.resolver.resolve(w.did)).didDocument!.service).toHaveLength(hostile.length + 1)
  })
})

describe('state and history', () => {
  it('resolveState throws typed errors', async () => {
    const { resolver } = await world()
    await expect(resolver.resolveState('did:grid:test:x')).rejects.toBeInstanceOf(InvalidDidError)
    const nobody = (await newDid('nobody')).create.did
    await expect(resolver.resolveState(nobody)).rejects.toBeInstanceOf(DidNotFoundError)
    await expect(resolver.resolveState(nobody)).rejects.toMatchObject({ code: 'ERR_GRID_DID_NOT_FOUND' })
    await expect(resolver.resolveState(nobody.replace(':test:', ':zz:'))).rejects.toBeInstanceOf(UnknownNetworkError)
    await expect(resolver.resolveState(nobody.replace(':test:', ':zz:'))).rejects.toMatchObject({ code: 'ERR_GRID_UNKNOWN_NETWORK' })
  })

  it('history lists applied and skipped operations in ledger order', async () => {
    const { ledger, resolver, did, update, recovery, tick } = await world()
    tick()
    const s1 = await resolver.resolveState(did)
    await ledger.submit([await updateDid(s1, key('intruder'), { patches: [{ action: 'set-also-known-as', alsoKnownAs: [] }] })])
    tick()
    await ledger.submit([await recoverDid(s1, recovery, { newUpdateKey: update, newRecoveryKey: recovery })])
    const { operations, state } = await resolver.history(did)
    expect(operations.map((o) => [o.type, o.applied, o.versionId ?? o.reason])).toEqual([
      ['create', true, 1],
      ['update', false, 'unauthorized'],
      ['recover', true, 2],
    ])
    expect(operations[1]!.time).toBe('2026-01-01T01:00:00Z')
    expect(state!.versionId).toBe(2)
  })
})

describe('did-resolver integration', () => {
  it('plugs into did-resolver 4.1 and honours versionId in the DID URL', async () => {
    const { ledger, resolver: grid, did, update } = await world()
    await ledger.submit([
      await updateDid(await grid.resolveState(did), update, {
        patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://x.example'] }],
      }),
    ])
    const resolver = new Resolver({ ...getResolver({ networks: { test: ledger } }) })
    const latest = await resolver.resolve(did)
    expect(latest.didDocument!.alsoKnownAs).toEqual(['https://x.example'])
    const v1 = await resolver.resolve(`${did}?versionId=1`)
    expect(v1.didDocument!.alsoKnownAs).toBeUndefined()
    expect((await resolver.resolve('did:grid:test:bad')).didResolutionMetadata.error).toBe('invalidDid')
    // An existing GridResolver can be shared too.
    const shared = new Resolver(getResolver(grid))
    expect((await shared.resolve(did)).didDocument!.id).toBe(did)
  })
})
