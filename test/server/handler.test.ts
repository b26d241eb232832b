import { describe, expect, it, vi } from 'vitest'
import {
  GridResolver,
  LedgerUnavailableError,
  MemoryLedger,
  anchorResource,
  createDid,
  deactivateDid,
  updateDid,
  type Ledger,
} from '../../src/index.js'
import { createHandler, negotiate, type Handler } from '../../src/server/handler.js'
import { key, vm } from '../helpers.js'

const base = 'http://resolver.test'

async function setup(options: { timeoutMs?: number; ledger?: Ledger } = {}) {
  const ledger = new MemoryLedger({ clock: () => 1_798_761_600 })
  const make = async (label: string) => {
    const op = await createDid({
      network: 'sgcc',
      updateKey: key(`${label}-u`),
      recoveryKey: key(`${label}-r`),
      nonce: `${label}-nonce`.padEnd(16, '_'),
      document: {
        verificationMethods: [vm('key-1', key(`${label}-s`))],
        services: [
          { id: 'dr', type: 'DemandResponse', serviceEndpoint: 'https://dr.example/api/' },
          { id: 'pair', type: 'X', serviceEndpoint: ['https://a.example/', 'did:grid:sgcc:x'] },
          { id: 'map', type: 'X', serviceEndpoint: { origins: ['https://c.example'] } },
          // Anchorable (the method's URI rule allows them), never handed out as URIs.
          { id: 'js', type: 'X', serviceEndpoint: 'javascript:alert(1)' },
          { id: 'rlo', type: 'X', serviceEndpoint: 'https://dr.example/\u202Egpj.exe' },
          { id: 'nel', type: 'X', serviceEndpoint: 'https://dr.example/\u0085x' },
        ],
      },
    })
    await ledger.submit([op.bytes])
    return op.did
  }
  const did = await make('live')
  const gone = await make('gone')
  const resolver = new GridResolver({ networks: { sgcc: options.ledger ?? ledger } })
  await ledger.submit([(await deactivateDid(await resolver.resolveState(gone), key('gone-r'))).bytes])
  await anchorResource({ did, signer: key('live-s') }, { ledger, resolver }, 'tariffs', 'TariffTable', { peak: 15 })
  const handler = createHandler({ resolver, testIdentifiers: [did], ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) })
  return { ledger, resolver, handler, did, gone }
}

const get = (handler: Handler, path: string, headers: Record<string, string> = {}) => handler(new Request(`${base}${path}`, { headers }))
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
const json = (res: Response): Promise<any> => res.json()
const id = (didUrl: string) => `/1.0/identifiers/${encodeURIComponent(didUrl)}`

describe('GET /1.0/identifiers/{did}: content negotiation', () => {
  it('no Accept header, application/did-resolution and the older JSON-LD profile get the full result', async () => {
    const { handler, did } = await setup()
    for (const [accept, type] of [
      [undefined, 'application/did-resolution'],
      ['application/did-resolution', 'application/did-resolution'],
      ['application/ld+json;profile="https://w3id.org/did-resolution"', 'application/ld+json;profile="https://w3id.org/did-resolution"'],
      ['*/*', 'application/did-resolution'],
    ] as const) {
      const res = await get(handler, `/1.0/identifiers/${did}`, accept ? { accept } : {})
      expect(res.status, accept).toBe(200)
      expect(res.headers.get('content-type')).toBe(type)
      const body = await json(res)
      expect(body.didDocument.id).toBe(did)
      expect(body.didResolutionMetadata.contentType).toBe('application/did+ld+json')
      expect(body.didDocumentMetadata.versionId).toBe('1')
    }
  })

  it.each([
    ['application/did', true],
    ['application/did+json', false],
    ['application/did+ld+json', true],
    ['application/ld+json', true],
    ['application/json', true],
  ])('%s gets the document alone (JSON-LD context: %s)', async (accept, withContext) => {
    const { handler, did } = await setup()
    const res = await get(handler, `/1.0/identifiers/${did}`, { accept })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(accept)
    const doc = await json(res)
    expect(doc.id).toBe(did)
    expect('@context' in doc).toBe(withContext)
    expect(doc.didResolutionMetadata).toBeUndefined()
  })

  it('anything else is 406 with the DID Core code and problem details; q-values order the choice', async () => {
    const { handler, did } = await setup()
    const res = await get(handler, `/1.0/identifiers/${did}`, { accept: 'text/html, image/png' })
    expect(res.status).toBe(406)
    const body = await json(res)
    expect(body.didResolutionMetadata.error).toBe('representationNotSupported')
    expect(body.didResolutionMetadata.problemDetails).toMatchObject({
      type: 'https://www.w3.org/ns/did#REPRESENTATION_NOT_SUPPORTED',
      status: 406,
    })
    expect(negotiate('application/did+json;q=0.5, application/did-resolution;q=0.9')).toEqual({
      kind: 'result',
      type: 'application/did-resolution',
    })
    expect(negotiate('application/did-resolution;q=0, application/did+json')).toMatchObject({
      kind: 'document',
      type: 'application/did+json',
    })
    expect(negotiate('application/ld+json;profile="https://example.com/other"')).toBeUndefined()
  })
})

describe('GET /1.0/identifiers/{did}: status codes', () => {
  it('400 for an invalid DID and for an invalid DID URL', async () => {
    const { handler, did } = await setup()
    const bad = await get(handler, id('did:grid:SGCC:abc'))
    expect(bad.status).toBe(400)
    expect((await json(bad)).didResolutionMetadata).toMatchObject({
      error: 'invalidDid',
      problemDetails: { status: 400, type: 'https://www.w3.org/ns/did#INVALID_DID' },
    })
    const badUrl = await get(handler, id(`${did}#bad fragment`))
    expect(badUrl.status).toBe(400)
    expect((await json(badUrl)).dereferencingMetadata.error).toBe('invalidDidUrl')
    const badVersion = await get(handler, `/1.0/identifiers/${did}?versionId=abc`)
    expect(badVersion.status).toBe(400)
    expect((await json(badVersion)).didResolutionMetadata.error).toBe('invalidDidUrl')
  })

  it('a malformed DID URL (fragment, path, service) gets a dereferencing result; a malformed DID query a resolution result', async () => {
    const { handler, did } = await setup()
    for (const [path, error, status] of [
      [`/1.0/identifiers/${did}%23key-1%23key-2`, 'invalidDidUrl', 400],
      [id(`${did}#`), 'invalidDidUrl', 400],
      [`/1.0/identifiers/${did}/resources/a%20b`, 'invalidDidUrl', 400],
      [`/1.0/identifiers/${did}?service=no%20such`, 'invalidDidUrl', 400],
      [`/1.0/identifiers/${did}?relativeRef=x&service=dr&service=dr`, 'invalidDidUrl', 400],
      [id('did:grid:SGCC:abc#key-1'), 'invalidDidUrl', 400],
      [id('did:example:123#key-1'), 'methodNotSupported', 501],
    ] as const) {
      const res = await get(handler, path)
      expect(res.status, path).toBe(status)
      expect(res.headers.get('content-type')).toBe('application/did-resolution')
      const body = await json(res)
      expect(body, path).toEqual({
        '@context': 'https://w3id.org/did-resolution/v1',
        dereferencingMetadata: {
          error,
          message: expect.any(String),
          problemDetails: {
            type: expect.stringMatching(/^https:\/\/www\.w3\.org\/ns\/did#/),
            title: error,
            status,
            detail: expect.any(String),
          },
        },
        contentStream: null,
        contentMetadata: {},
      })
    }
    // An Accept nobody can meet, for a DID URL: the same shape.
    const refused = await get(handler, id(`${did}#key-1`), { accept: 'text/html' })
    expect(refused.status).toBe(406)
    expect(await json(refused)).toMatchObject({ dereferencingMetadata: { error: 'representationNotSupported' }, contentStream: null })
    // A DID with a malformed version selector is still resolved, so it gets a resolution result.
    const badVersion = await json(await get(handler, `/1.0/identifiers/${did}?versionId=0`))
    expect(badVersion).toMatchObject({ didResolutionMetadata: { error: 'invalidDidUrl' }, didDocument: null })
    expect(badVersion.dereferencingMetadata).toBeUndefined()
  })

  it('501 methodNotSupported for a valid DID of another method; 400 invalidDid only for what is not a DID', async () => {
    const { handler } = await setup()
    for (const [didText, status, error] of [
      ['did:example:123', 501, 'methodNotSupported'],
      ['did:web:example.com:user:alice', 501, 'methodNotSupported'],
      ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 501, 'methodNotSupported'],
      ['did:example:', 400, 'invalidDid'],
      ['did:EXAMPLE:123', 400, 'invalidDid'],
      ['example:123', 400, 'invalidDid'],
      ['did:grid:sgcc:short', 400, 'invalidDid'],
    ] as const) {
      const res = await get(handler, id(didText))
      expect(res.status, didText).toBe(status)
      const meta = (await json(res)).didResolutionMetadata
      expect(meta, didText).toMatchObject({
        error,
        problemDetails: { status, type: `https://www.w3.org/ns/did#${error === 'invalidDid' ? 'INVALID_DID' : 'METHOD_NOT_SUPPORTED'}` },
      })
    }
    expect((await json(await get(handler, id('did:example:123')))).didResolutionMetadata.message).toBe(
      'this resolver serves did:grid, not did:example',
    )
  })

  it('404 for a DID that is not on the ledger, 501 for a network nobody serves', async () => {
    const { handler, did } = await setup()
    const missing = `did:grid:sgcc:${'a'.repeat(51)}q`
    const res = await get(handler, `/1.0/identifiers/${missing}`)
    expect(res.status).toBe(404)
    expect((await json(res)).didResolutionMetadata).toMatchObject({
      error: 'notFound',
      message: expect.stringMatching(/is not on the ledger/),
    })
    const other = await get(handler, `/1.0/identifiers/${did.replace(':sgcc:', ':other:')}`)
    expect(other.status).toBe(501)
    expect((await json(other)).didResolutionMetadata.error).toBe('methodNotSupported')
  })

  it('410 for a deactivated DID, with the body and deactivated: true', async () => {
    const { handler, gone } = await setup()
    const res = await get(handler, `/1.0/identifiers/${gone}`)
    expect(res.status).toBe(410)
    const body = await json(res)
    expect(body.didDocumentMetadata.deactivated).toBe(true)
    expect(body.didDocument).toEqual({ '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: gone })
    const doc = await get(handler, `/1.0/identifiers/${gone}`, { accept: 'application/did+json' })
    expect(doc.status).toBe(410)
    expect((await json(doc)).id).toBe(gone)
  })

  it('500 (never 404) when the ledger fails, and 503 when it hangs past the time limit', async () => {
    const { did, ledger } = await setup()
    const failing: Ledger = {
      submit: (ops) => ledger.submit(ops),
      read: async () => {
        throw new LedgerUnavailableError('connection refused')
      },
      head: () => ledger.head(),
      batch: (h) => ledger.batch(h),
      close: () => ledger.close(),
    }
    const down = createHandler({ resolver: new GridResolver({ networks: { sgcc: failing } }) })
    const res = await get(down, `/1.0/identifiers/${did}`)
    expect(res.status).toBe(500)
    const body = await json(res)
    expect(body.didResolutionMetadata).toMatchObject({ error: 'internalError', message: expect.stringMatching(/connection refused/) })
    expect(res.headers.get('etag')).toBeNull()
    const hanging: Ledger = { ...failing, read: () => new Promise(() => undefined) }
    const slow = createHandler({ resolver: new GridResolver({ networks: { sgcc: hanging } }), timeoutMs: 50 })
    const late = await get(slow, `/1.0/identifiers/${did}`)
    expect(late.status).toBe(503)
    expect(late.headers.get('content-type')).toBe('application/problem+json')
    expect(await json(late)).toMatchObject({ status: 503, detail: 'the request took longer than 50 ms' })
  })

  it('each request gets the whole time limit: answered ones do not hold others back, late ones are not cut short', async () => {
    const { did, gone, ledger } = await setup()
    // Reads of `did` never finish; `gone` reads normally.
    const stuck = did.split(':').pop()
    const sometimes: Ledger = {
      submit: (ops) => ledger.submit(ops),
      read: (suffix, options) => (suffix === stuck ? new Promise(() => undefined) : ledger.read(suffix, options)),
      head: () => ledger.head(),
      batch: (h) => ledger.batch(h),
      close: () => ledger.close(),
    }
    const handler = createHandler({ resolver: new GridResolver({ networks: { sgcc: sometimes } }), timeoutMs: 100, cache: false })
    const timed = async (path: string) => {
      const t = performance.now()
      const res = await get(handler, path)
      return { status: res.status, ms: performance.now() - t }
    }
    const first = timed(`/1.0/identifiers/${did}`)
    await new Promise((r) => setTimeout(r, 60))
    const second = timed(`/1.0/identifiers/${did}?versionId=1`)
    const fast = await timed(`/1.0/identifiers/${gone}`)
    expect(fast.status).toBe(410)
    expect(fast.ms).toBeLessThan(100)
    const [a, b] = await Promise.all([first, second])
    expect(a.status).toBe(503)
    expect(b.status).toBe(503)
    expect(a.ms).toBeGreaterThanOrEqual(99)
    expect(b.ms).toBeGreaterThanOrEqual(99)
    expect(b.ms).toBeLessThan(1_000)
  })

  it('version selectors in the DID URL query', async () => {
    const { handler, did } = await setup()
    const res = await get(handler, `/1.0/identifiers/${did}?versionId=1`)
    expect(res.status).toBe(200)
    expect((await json(res)).didDocumentMetadata.versionId).toBe('1')
    const none = await get(handler, `/1.0/identifiers/${did}?versionId=9`)
    expect(none.status).toBe(404)
  })
})

describe('GET /1.0/identifiers/{did-url}: dereferencing', () => {
  it('a fragment, a service with relativeRef, and a DID-linked resource', async () => {
    const { handler, did } = await setup()
    const frag = await get(handler, id(`${did}#key-1`), { accept: 'application/did+ld+json' })
    expect(frag.status).toBe(200)
    expect((await json(frag)).id).toBe(`${did}#key-1`)
    const svc = await get(handler, `/1.0/identifiers/${did}?service=dr&relativeRef=${encodeURIComponent('bids/7')}`, {
      accept: 'text/uri-list',
    })
    expect(svc.status).toBe(200)
    expect(svc.headers.get('content-type')).toBe('text/uri-list')
    expect(await svc.text()).toBe('https://dr.example/api/bids/7\r\n')
    const resource = await get(handler, `/1.0/identifiers/${did}/resources/tariffs`, { accept: 'application/json' })
    expect(resource.status).toBe(200)
    expect(resource.headers.get('content-type')).toBe('application/json')
    expect(await json(resource)).toEqual({ peak: 15 })
    const full = await get(handler, `/1.0/identifiers/${did}/resources/tariffs`)
    const result = await json(full)
    expect(result.contentMetadata).toMatchObject({ resourceType: 'TariffTable', versionId: '1' })
    expect(result.contentStream).toEqual({ peak: 15 })
    const missing = await get(handler, `/1.0/identifiers/${did}/resources/none`)
    expect(missing.status).toBe(404)
    expect((await json(missing)).dereferencingMetadata.error).toBe('notFound')
  })
})

describe('representations (DID Core §7.1: resolve returns data, resolveRepresentation bytes and a contentType)', () => {
  it("a document media type is answered with resolveRepresentation's stream; the full result carries the JSON-LD document and says so", async () => {
    const { handler, did, resolver } = await setup()
    for (const [accept, representation] of [
      ['application/did+ld+json', 'application/did+ld+json'],
      ['application/did+json', 'application/did+json'],
      ['application/did', 'application/did'],
      ['application/json', 'application/did+ld+json'],
    ] as const) {
      const res = await get(handler, `/1.0/identifiers/${did}`, { accept })
      expect(res.headers.get('content-type')).toBe(accept)
      expect(await res.text()).toBe((await resolver.resolveRepresentation(did, { accept: representation })).didDocumentStream)
    }
    const full = await json(await get(handler, `/1.0/identifiers/${did}`, { accept: 'application/did-resolution' }))
    const data = await resolver.resolve(did)
    expect(data.didResolutionMetadata).toEqual({})
    expect(full.didResolutionMetadata).toEqual({ contentType: 'application/did+ld+json' })
    expect(full.didDocument).toEqual(data.didDocument)
    expect(full.didDocumentMetadata).toEqual(data.didDocumentMetadata)
    expect(full.didDocumentMetadata.method.ledgerHeight).toBe('4')
  })
})

describe('service dereference: text/uri-list', () => {
  it('Accept: text/uri-list is answered 200 with the endpoint URI(s), one a line; not for a DID or a map endpoint (406)', async () => {
    const { handler, did } = await setup()
    const one = await get(handler, `/1.0/identifiers/${did}?service=dr`, { accept: 'text/uri-list' })
    expect([one.status, one.headers.get('content-type'), await one.text()]).toEqual([200, 'text/uri-list', 'https://dr.example/api/\r\n'])
    const two = await get(handler, `/1.0/identifiers/${did}?service=pair`, { accept: 'text/uri-list' })
    expect([two.status, await two.text()]).toEqual([200, 'https://a.example/\r\ndid:grid:sgcc:x\r\n'])
    const ref = await get(handler, `/1.0/identifiers/${did}?service=dr&relativeRef=bids%2F7`, { accept: 'text/html;q=0.9, text/uri-list' })
    expect([ref.status, await ref.text()]).toEqual([200, 'https://dr.example/api/bids/7\r\n'])
    const map = await get(handler, `/1.0/identifiers/${did}?service=map`, { accept: 'text/uri-list' })
    expect(map.status).toBe(406)
    expect((await json(map)).dereferencingMetadata).toMatchObject({
      error: 'representationNotSupported',
      message: 'the endpoint of service "map" is application/json, not text/uri-list',
    })
    const plain = await get(handler, `/1.0/identifiers/${did}`, { accept: 'text/uri-list' })
    expect(plain.status).toBe(406)
    expect((await json(plain)).didResolutionMetadata.message).not.toMatch(/text\/uri-list/)
    expect(negotiate('text/uri-list', true)).toEqual({ kind: 'uri-list', type: 'text/uri-list' })
  })

  it('answers as the library does: a document type on a service is 406 (its endpoint is not a document), the map endpoint is application/json', async () => {
    const { handler, did, resolver } = await setup()
    for (const [service, accept, status, type] of [
      ['dr', 'application/did+json', 406, undefined],
      ['dr', 'application/json', 406, undefined],
      ['dr', 'text/uri-list', 200, 'text/uri-list'],
      ['map', 'application/json', 200, 'application/json'],
      ['map', 'application/did+json', 406, undefined],
    ] as const) {
      const res = await get(handler, `/1.0/identifiers/${did}?service=${service}`, { accept })
      const library = await resolver.dereference(`${did}?service=${service}`, { accept })
      expect([res.status, library.dereferencingMetadata.error], `${service} ${accept}`).toEqual([
        status,
        status === 406 ? 'representationNotSupported' : undefined,
      ])
      if (type) expect([res.headers.get('content-type'), library.dereferencingMetadata.contentType]).toEqual([type, type])
      else
        expect((await json(res)).dereferencingMetadata).toMatchObject({
          error: 'representationNotSupported',
          message: `the endpoint of service "${service}" is ${service === 'dr' ? 'text/uri-list' : 'application/json'}, not ${accept}`,
        })
    }
    expect(negotiate('text/uri-list')).toBeUndefined()
  })

  it('refuses to hand out a javascript: URI, bidi overrides and C1 controls: 403 notAllowedServiceEndpoint, whatever the Accept', async () => {
    const { handler, did } = await setup()
    for (const [service, problem] of [
      ['js', /its scheme "javascript" is not one of did, http, https, urn, ws, wss/],
      ['rlo', /it contains U\+202E at index 19/],
      ['nel', /it contains U\+0085 at index 19/],
    ] as const) {
      for (const accept of ['text/uri-list', 'application/did-resolution', 'application/did+json']) {
        const res = await get(handler, `/1.0/identifiers/${did}?service=${service}`, { accept })
        expect(res.status, `${service} ${accept}`).toBe(403)
        expect(res.headers.get('content-type')).toBe('application/did-resolution')
        const text = await res.text()
        expect(text).not.toMatch(/javascript:|\u202E|\u0085/)
        expect(JSON.parse(text)).toEqual({
          '@context': 'https://w3id.org/did-resolution/v1',
          dereferencingMetadata: {
            error: 'notAllowedServiceEndpoint',
            message: expect.stringMatching(problem),
            problemDetails: {
              type: 'about:blank',
              title: 'notAllowedServiceEndpoint',
              status: 403,
              detail: expect.stringMatching(problem),
            },
          },
          contentStream: null,
          contentMetadata: {},
        })
      }
    }
  })
})

describe('POST /1.0/identifiers/{did}: resolution options in the body', () => {
  it('takes accept and a version selector, refuses unknown options (400) and large bodies (413)', async () => {
    const { handler, did } = await setup()
    const post = (body: string, headers: Record<string, string> = {}) =>
      handler(
        new Request(`${base}/1.0/identifiers/${did}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...headers },
        }),
      )
    const ok = await post(JSON.stringify({ accept: 'application/did+json', versionId: 1 }))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe('application/did+json')
    expect((await json(ok)).id).toBe(did)
    const unknown = await post(JSON.stringify({ colour: 'red' }))
    expect(unknown.status).toBe(400)
    expect((await json(unknown)).didResolutionMetadata).toMatchObject({
      error: 'invalidOptions',
      message: expect.stringMatching(/unknown resolution option "colour"/),
    })
    const notJson = await post('versionId=1')
    expect(notJson.status).toBe(400)
    // A bad value is the options' fault (invalidOptions); the same value in the DID URL is the URL's.
    for (const [options, message] of [
      [{ ledgerHeight: -1 }, 'resolution option ledgerHeight must be a non-negative integer'],
      [{ versionTime: 'garbage' }, 'resolution option versionTime must be a UTC timestamp like 2026-01-31T08:00:00Z'],
      [{ versionId: '0' }, 'resolution option versionId must be a positive integer without leading zeros'],
    ] as const) {
      const bad = await post(JSON.stringify(options))
      expect(bad.status, JSON.stringify(options)).toBe(400)
      expect((await json(bad)).didResolutionMetadata).toMatchObject({
        error: 'invalidOptions',
        message,
        problemDetails: { type: 'https://www.w3.org/ns/did#INVALID_OPTIONS', status: 400 },
      })
    }
    const inUrl = await get(handler, `/1.0/identifiers/${did}?ledgerHeight=-1`)
    expect(inUrl.status).toBe(400)
    expect((await json(inUrl)).didResolutionMetadata).toMatchObject({
      error: 'invalidDidUrl',
      message: 'ledgerHeight must be a non-negative integer',
    })
    const big = await post(JSON.stringify({ versionTime: 'x'.repeat(20_000) }))
    expect(big.status).toBe(413)
    expect(big.headers.get('content-type')).toBe('application/problem+json')
  })
})

describe('list endpoints, health, CORS, caching and limits', () => {
  it('methods, testIdentifiers, properties, traits and health', async () => {
    const { handler, did } = await setup()
    expect(await json(await get(handler, '/1.0/methods'))).toEqual(['grid'])
    expect(await json(await get(handler, '/1.0/testIdentifiers'))).toEqual({ grid: [did] })
    expect((await json(await get(handler, '/1.0/properties'))).grid.networks).toEqual(['sgcc'])
    expect((await json(await get(handler, '/1.0/traits'))).grid).toMatchObject({
      updatable: true,
      deactivatable: true,
      historyAvailable: true,
    })
    const health = await get(handler, '/health')
    expect(health.status).toBe(200)
    expect(await json(health)).toMatchObject({ status: 'ok', networks: { sgcc: { height: 4, finalizedHeight: 4 } } })
  })

  it('404 for unknown routes, 405 for other methods, 414 for huge URLs, CORS on every answer', async () => {
    const { handler, did } = await setup()
    const nf = await get(handler, '/2.0/nothing')
    expect(nf.status).toBe(404)
    expect(nf.headers.get('content-type')).toBe('application/problem+json')
    const del = await handler(new Request(`${base}/1.0/identifiers/${did}`, { method: 'DELETE' }))
    expect(del.status).toBe(405)
    expect(del.headers.get('allow')).toBe('GET, HEAD, POST')
    const huge = await get(handler, `/1.0/identifiers/${did}?x=${'a'.repeat(9_000)}`)
    expect(huge.status).toBe(414)
    expect(nf.headers.get('access-control-allow-origin')).toBe('*')
    const pre = await handler(new Request(`${base}/1.0/identifiers/${did}`, { method: 'OPTIONS' }))
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/GET/)
    const head = await handler(new Request(`${base}/1.0/identifiers/${did}`, { method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('ETag follows the ledger head: 304 on revalidation until the head moves', async () => {
    const { handler, did, ledger, resolver } = await setup()
    const first = await get(handler, `/1.0/identifiers/${did}`)
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^"4-[0-9a-f]{16}"$/)
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate')
    const again = await get(handler, `/1.0/identifiers/${did}`, { 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    // If-None-Match compares weakly (RFC 9110 §13.1.2), and `*` matches any current representation.
    for (const header of [`W/${etag}`, `"other", W/${etag}`, '*', ' * ']) {
      const res = await get(handler, `/1.0/identifiers/${did}`, { 'if-none-match': header })
      expect([res.status, res.headers.get('etag'), res.headers.get('vary')], header).toEqual([304, etag, 'Accept'])
    }
    expect((await get(handler, `/1.0/identifiers/${did}`, { 'if-none-match': '"other", W/"4-0000000000000000"' })).status).toBe(200)
    // `*` matches nothing where there is no representation.
    const absent = `/1.0/identifiers/${did.slice(0, -4)}aaaa`
    expect((await get(handler, absent)).status).toBe(404)
    expect((await get(handler, absent, { 'if-none-match': '*' })).status).toBe(404)
    // Negotiated and publicly cacheable: a shared cache must key the answer by Accept too.
    expect([first.headers.get('cache-control'), first.headers.get('vary')]).toEqual(['public, max-age=0, must-revalidate', 'Accept'])
    // Another media type is another representation, with another tag.
    expect((await get(handler, `/1.0/identifiers/${did}`, { accept: 'application/did+json' })).headers.get('etag')).not.toBe(etag)
    await anchorResource({ did, signer: key('live-s') }, { ledger, resolver }, 'tariffs', 'TariffTable', { peak: 16 })
    const moved = await get(handler, `/1.0/identifiers/${did}`, { 'if-none-match': etag })
    expect(moved.status).toBe(200)
    expect(moved.headers.get('etag')).toMatch(/^"5-/)
  })
})

describe('answer cache: keyed like the ETag, so one head read serves a repeated request', () => {
  it('serves a repeated request without resolving; a new anchoring gives the new state and a new ETag', async () => {
    const { handler, did, ledger, resolver } = await setup()
    const resolve = vi.spyOn(resolver, 'resolve')
    const first = await get(handler, `/1.0/identifiers/${did}`)
    const again = await get(handler, `/1.0/identifiers/${did}`)
    expect(resolve).toHaveBeenCalledTimes(1)
    expect(again.status).toBe(200)
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'))
    expect(again.headers.get('access-control-allow-origin')).toBe('*')
    const [a, b] = [await json(first), await json(again)]
    expect(b).toEqual(a)
    expect(b.didDocumentMetadata.versionId).toBe('1')

    await ledger.submit([
      (
        await updateDid(await resolver.resolveState(did), key('live-u'), {
          patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://new.example'] }],
        })
      ).bytes,
    ])
    const moved = await get(handler, `/1.0/identifiers/${did}`)
    expect(resolve).toHaveBeenCalledTimes(2)
    expect(moved.headers.get('etag')).toMatch(/^"5-/)
    const c = await json(moved)
    expect(c.didDocumentMetadata.versionId).toBe('2')
    expect(c.didDocument.alsoKnownAs).toEqual(['https://new.example'])
    // The old version, asked for by versionId, is its own entry.
    expect((await json(await get(handler, `/1.0/identifiers/${did}?versionId=1`))).didDocument.alsoKnownAs).toBeUndefined()
  })

  it('a DID-linked resource and a revalidation follow the head the same way', async () => {
    const { handler, did, ledger, resolver } = await setup()
    const path = `/1.0/identifiers/${did}/resources/tariffs`
    expect(await json(await get(handler, path, { accept: 'application/json' }))).toEqual({ peak: 15 })
    const cached = await get(handler, path, { accept: 'application/json' })
    expect(await json(cached)).toEqual({ peak: 15 })
    expect((await get(handler, path, { accept: 'application/json', 'if-none-match': cached.headers.get('etag')! })).status).toBe(304)
    await anchorResource({ did, signer: key('live-s') }, { ledger, resolver }, 'tariffs', 'TariffTable', { peak: 16 })
    expect((await get(handler, path, { accept: 'application/json', 'if-none-match': cached.headers.get('etag')! })).status).toBe(200)
    expect(await json(await get(handler, path, { accept: 'application/json' }))).toEqual({ peak: 16 })
  })

  it('HEAD, GET and POST share nothing they should not: HEAD has no body, POST options are part of the key', async () => {
    const { handler, did } = await setup()
    const full = await get(handler, `/1.0/identifiers/${did}`)
    const length = Number(full.headers.get('content-length'))
    expect(length).toBe((await full.arrayBuffer()).byteLength)
    const head = await handler(new Request(`${base}/1.0/identifiers/${did}`, { method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBeNull()
    expect(head.headers.get('etag')).toBe(full.headers.get('etag'))
    expect(await head.text()).toBe('')
    expect(Number((await get(handler, `/1.0/identifiers/${did}`)).headers.get('content-length'))).toBe(length)
    const post = (body: object) => handler(new Request(`${base}/1.0/identifiers/${did}`, { method: 'POST', body: JSON.stringify(body) }))
    expect((await json(await post({ accept: 'application/did+json' }))).id).toBe(did)
    expect((await json(await post({ accept: 'application/did+ld+json' })))['@context']).toBeDefined()
    expect((await json(await post({ accept: 'application/did+json' })))['@context']).toBeUndefined()
  })

  it('never keeps a failure: a ledger outage is a 500 each time, then the answer once the ledger is back', async () => {
    const { did, ledger } = await setup()
    let down = true
    const flaky: Ledger = {
      submit: (ops) => ledger.submit(ops),
      read: async (suffix, options) => {
        if (down) throw new LedgerUnavailableError('connection refused')
        return ledger.read(suffix, options)
      },
      head: () => ledger.head(),
      batch: (h) => ledger.batch(h),
      close: () => ledger.close(),
    }
    const handler = createHandler({ resolver: new GridResolver({ networks: { sgcc: flaky } }) })
    expect((await get(handler, `/1.0/identifiers/${did}`)).status).toBe(500)
    expect((await get(handler, `/1.0/identifiers/${did}`)).status).toBe(500)
    down = false
    expect((await get(handler, `/1.0/identifiers/${did}`)).status).toBe(200)
  })

  it('is bounded by count (least recently used out) and by bytes; cache: false resolves every request', async () => {
    const { did, gone, resolver } = await setup()
    const resolve = vi.spyOn(resolver, 'resolve')
    const small = createHandler({ resolver, cache: { maxEntries: 2 } })
    const a = `/1.0/identifiers/${did}`
    const b = `/1.0/identifiers/${gone}`
    const c = `/1.0/identifiers/${did}?versionId=1`
    for (const path of [a, b, a, c, a, b]) await get(small, path)
    // Misses: a, b, c (evicts b, the least recently used), b again.
    expect(resolve).toHaveBeenCalledTimes(4)

    resolve.mockClear()
    const tiny = createHandler({ resolver, cache: { maxBytes: 100 } })
    for (let i = 0; i < 3; i++) expect((await get(tiny, a)).status).toBe(200)
    expect(resolve).toHaveBeenCalledTimes(3)

    resolve.mockClear()
    const none = createHandler({ resolver, cache: false })
    for (let i = 0; i < 3; i++) expect((await get(none, a)).status).toBe(200)
    expect(resolve).toHaveBeenCalledTimes(3)

    expect(() => createHandler({ resolver, cache: { maxEntries: -1 } })).toThrow(
      new RangeError('options.cache.maxEntries must be a non-negative integer'),
    )
    expect(() => createHandler({ resolver, cache: { maxEntries: 1.5 } })).toThrow(RangeError)
    expect(() => createHandler({ resolver, cache: { maxBytes: -1 } })).toThrow(
      new RangeError('options.cache.maxBytes must be a non-negative integer'),
    )
  })
})
