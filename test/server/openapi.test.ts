/**
 * The OpenAPI document against real answers: a real server on 127.0.0.1 (node:http, as `grid-did
 * serve` runs it) is asked for every route and every status it documents; each answer's status,
 * headers and body are validated by ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses) against the
 * schema the document gives for that path, method, status and media type.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GridResolver,
  LedgerUnavailableError,
  MemoryLedger,
  anchorResource,
  createDid,
  deactivateDid,
  type Ledger,
} from '../../src/index.js'
import { OPENAPI, OPENAPI_JSON, OPENAPI_PATH } from '../../src/server/openapi.js'
import { createHandler, serve, type RunningServer } from '../../src/server/node.js'
import { key, vm } from '../helpers.js'

// The document and the bodies are walked as plain JSON.
type Json = any
const doc: Json = JSON.parse(OPENAPI_JSON)
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true })
const BASE = 'https://grid-did.example/openapi.json'
/** A subschema of the document with its `$ref`s pointing into the schema registered as BASE. */
const rebase = (schema: Json): Json => JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, `"${BASE}#/$defs/`))
ajv.addSchema({ $id: BASE, $defs: rebase(doc.components.schemas) })
// Compile every schema once: a malformed one fails here (strict mode refuses unknown keywords).
for (const name of Object.keys(doc.components.schemas)) ajv.compile({ $ref: `${BASE}#/$defs/${name}` })

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

/** The response object the document gives, following a `$ref` into components.responses. */
function responseOf(responses: Json, status: number): Json {
  const r = responses?.[String(status)]
  return r?.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r
}

/** The schema validator for `schema`, a subschema of the document, with its `$ref`s resolved. */
const validators = new Map<string, ReturnType<typeof ajv.compile>>()
function validatorFor(schema: Json): ReturnType<typeof ajv.compile> {
  const text = JSON.stringify(schema)
  let v = validators.get(text)
  if (!v) {
    v = ajv.compile(rebase(schema))
    validators.set(text, v)
  }
  return v
}

const seen = new Set<string>()

/** Request path → the document's path template: its first pattern that matches, else the path itself. */
const TEMPLATES: [RegExp, string][] = [
  [/^\/1\.0\/identifiers\//, '/1.0/identifiers/{did}'],
  [/^\/1\.0\/log\/[^/]+\/resources\/[^/]+$/, '/1.0/log/{did}/resources/{id}'],
  [/^\/1\.0\/log\/[^/]+$/, '/1.0/log/{did}'],
  [/^\/1\.0\/ledgers\/[^/]+$/, '/1.0/ledgers/{network}'],
  [/^\/1\.0\/ledgers\/[^/]+\/batches\/[^/]+$/, '/1.0/ledgers/{network}/batches/{height}'],
  [/^\/1\.0\/ledgers\/[^/]+\/log\/[^/]+$/, '/1.0/ledgers/{network}/log/{key}'],
]
const templateOf = (path: string): string => TEMPLATES.find(([pattern]) => pattern.test(path))?.[1] ?? path
const LOG_TEMPLATES = TEMPLATES.slice(1).map(([, template]) => template)

/** Validates one real answer against the document; returns the parsed body. */
async function check(method: string, path: string, res: Response): Promise<Json> {
  const template = templateOf(path)
  const item = doc.paths[template]
  const operation = item?.[method.toLowerCase()]
  const response = !item
    ? responseOf({ '404': { $ref: '#/components/responses/NotFound' }, '414': { $ref: '#/components/responses/UriTooLong' } }, res.status)
    : !operation
      ? responseOf({ '405': { $ref: '#/components/responses/MethodNotAllowed' } }, res.status)
      : responseOf(operation.responses, res.status)
  const where = `${method} ${template} → ${res.status}`
  expect(response, `${where} is not in the document`).toBeDefined()
  seen.add(`${method} ${template} ${res.status}`)
  for (const [name, header] of Object.entries<Json>(response.headers ?? {})) {
    const value = res.headers.get(name)
    if (header.required || (res.status === 200 && name === 'ETag')) expect(value, `${where}: header ${name}`).not.toBeNull()
    if (value !== null) expect(validatorFor(header.schema)(value), `${where}: header ${name}`).toBe(true)
  }
  const text = await res.text()
  if (!response.content || method === 'HEAD') {
    expect(text, where).toBe('')
    return undefined
  }
  const type = res.headers.get('content-type')!
  const media = response.content[type]
  expect(media, `${where}: ${type} is not documented`).toBeDefined()
  const body = type === 'text/uri-list' || type.startsWith('text/plain') ? text : JSON.parse(text)
  const validate = validatorFor(media.schema)
  expect(validate(body) ? [] : validate.errors, `${where} (${type}) ${pointer(template)}`).toEqual([])
  return body
}

let mode: 'up' | 'down' | 'hang' = 'up'
let server: RunningServer
let did = ''
let gone = ''

beforeAll(async () => {
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
          { id: 'js', type: 'X', serviceEndpoint: 'javascript:alert(1)' },
        ],
      },
    })
    await ledger.submit([op.bytes])
    return op.did
  }
  did = await make('live')
  gone = await make('gone')
  // A ledger the test can take down (reads fail) or hang (reads never finish).
  const switchable: Ledger = {
    submit: (ops) => ledger.submit(ops),
    read: (suffix, options) => {
      if (mode === 'down') return Promise.reject(new LedgerUnavailableError('connection refused'))
      if (mode === 'hang') return new Promise(() => undefined)
      return ledger.read(suffix, options)
    },
    head: () =>
      mode === 'up'
        ? ledger.head()
        : mode === 'down'
          ? Promise.reject(new LedgerUnavailableError('connection refused'))
          : new Promise(() => undefined),
    batch: (h) => (mode === 'down' ? Promise.reject(new LedgerUnavailableError('connection refused')) : ledger.batch(h)),
    close: () => ledger.close(),
  }
  const resolver = new GridResolver({ networks: { sgcc: switchable } })
  await ledger.submit([(await deactivateDid(await resolver.resolveState(gone), key('gone-r'))).bytes])
  await anchorResource({ did, signer: key('live-s') }, { ledger, resolver }, 'tariffs', 'TariffTable', { peak: 15 })
  const handler = createHandler({ resolver, testIdentifiers: [did], timeoutMs: 200, cache: false, maxBodyBytes: 1_024 })
  server = await serve(handler, { port: 0, log: false, metrics: true })
})

afterAll(() => server?.close())

const call = async (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
  const res = await fetch(`${server.url}${path}`, { method, ...init })
  return { res, body: await check(method, path.split('?')[0]!, res) }
}
const id = (didUrl: string) => `/1.0/identifiers/${encodeURIComponent(didUrl)}`

describe('the OpenAPI document (OpenAPI 3.1)', () => {
  it('is served at GET /1.0/openapi.json, and its schemas compile under ajv strict mode', async () => {
    const { body } = await call('GET', OPENAPI_PATH)
    expect(body).toEqual(doc)
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(OPENAPI.paths).sort()).toEqual(
      [
        '/health',
        '/livez',
        '/metrics',
        '/1.0/methods',
        '/1.0/testIdentifiers',
        '/1.0/properties',
        '/1.0/traits',
        OPENAPI_PATH,
        '/1.0/identifiers/{did}',
        ...LOG_TEMPLATES,
      ].sort(),
    )
    // The validator is not vacuous: a result without its document, a problem without its status, fail.
    const identifiers = doc.paths['/1.0/identifiers/{did}'].get.responses
    expect(validatorFor(identifiers['200'].content['application/did-resolution'].schema)({ didResolutionMetadata: {} })).toBe(false)
    expect(validatorFor(identifiers['413'].content['application/problem+json'].schema)({ type: 'about:blank', title: 'x' })).toBe(false)
    // Every $ref names something the document has.
    for (const [, target] of OPENAPI_JSON.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      expect(
        target!.split('/').reduce((o: Json, k) => o?.[k], doc),
        target,
      ).toBeDefined()
    }
  })

  it('the metadata routes: GET, HEAD and OPTIONS answers, 405 for other methods, 404 off the routes, 414', async () => {
    for (const path of ['/health', '/livez', '/1.0/methods', '/1.0/testIdentifiers', '/1.0/properties', '/1.0/traits', OPENAPI_PATH]) {
      expect((await call('GET', path)).res.status).toBe(200)
      expect((await call('HEAD', path)).res.status).toBe(200)
      expect((await call('OPTIONS', path)).res.status).toBe(204)
      const post = await call('POST', path, { body: '{}' })
      expect(post.res.status).toBe(405)
      expect(post.res.headers.get('allow')).toBe('GET, HEAD')
    }
    // The Node adapter's Prometheus route (serve(…, { metrics: true })).
    const metrics = await call('GET', '/metrics')
    expect(metrics.res.status).toBe(200)
    expect(String(metrics.body)).toMatch(/^grid_did_http_requests_total\{/m)
    expect((await call('HEAD', '/metrics')).res.status).toBe(200)
    const postMetrics = await call('POST', '/metrics', { body: '{}' })
    expect([postMetrics.res.status, postMetrics.res.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
    expect((await call('GET', '/1.0/testIdentifiers')).body).toEqual({ grid: [did] })
    expect((await call('GET', '/nowhere')).res.status).toBe(404)
    expect((await call('GET', `/health?${'x'.repeat(9_000)}`)).res.status).toBe(414)
  })

  it('GET, HEAD and POST /1.0/identifiers/{did}: every documented status, in every media type', async () => {
    for (const accept of [
      'application/did-resolution',
      'application/ld+json;profile="https://w3id.org/did-resolution"',
      'application/did+json',
      'application/did+ld+json',
      'application/did',
      'application/ld+json',
      'application/json',
    ]) {
      const { res } = await call('GET', id(did), { headers: { accept } })
      expect(res.status, accept).toBe(200)
      expect((await call('GET', id(gone), { headers: { accept } })).res.status).toBe(410)
    }
    const first = await call('GET', id(did))
    expect((await call('GET', id(did), { headers: { 'if-none-match': first.res.headers.get('etag')! } })).res.status).toBe(304)
    expect((await call('HEAD', id(did))).res.status).toBe(200)
    expect((await call('OPTIONS', id(did))).res.status).toBe(204)
    expect((await call('GET', id(`${did}?service=dr`), { headers: { accept: 'text/uri-list' } })).body).toBe('https://dr.example/api/\r\n')
    expect((await call('GET', id(`${did}/resources/tariffs`), { headers: { accept: 'application/json' } })).body).toEqual({ peak: 15 })
    expect((await call('GET', id(`${did}#key-1`))).res.status).toBe(200)
    expect((await call('POST', id(did), { body: JSON.stringify({ versionId: '1' }) })).res.status).toBe(200)
    const failures: [string, string, Record<string, string>, number][] = [
      ['GET', id('did:grid:sgcc:not-a-did'), {}, 400],
      ['POST', id(did), {}, 400],
      ['GET', id(`${did}?service=js`), { accept: 'text/uri-list' }, 403],
      ['GET', id(`did:grid:sgcc:${'a'.repeat(51)}q`), {}, 404],
      ['GET', id(`${did}/resources/none`), {}, 404],
      ['GET', id(did), { accept: 'text/html' }, 406],
      ['GET', id(did.replace(':sgcc:', ':other:')), {}, 501],
      ['GET', id('did:example:123'), {}, 501],
    ]
    for (const [method, path, headers, status] of failures) {
      const { res } = await call(method, path, { headers, ...(method === 'POST' ? { body: '[1]' } : {}) })
      expect(res.status, path).toBe(status)
    }
    expect((await call('POST', id(did), { body: 'x'.repeat(2_000) })).res.status).toBe(413)
    expect((await call('GET', `${id(did)}?${'x'.repeat(9_000)}`)).res.status).toBe(414)
    const put = await call('PUT', id(did), { body: '{}' })
    expect(put.res.status).toBe(405)
    expect(put.res.headers.get('allow')).toBe('GET, HEAD, POST')
  })

  it('outages: 500 internalError when the ledger fails, 503 when it hangs past the time limit, /health 503 degraded', async () => {
    try {
      mode = 'down'
      expect((await call('GET', id(did))).body.didResolutionMetadata.error).toBe('internalError')
      expect((await call('GET', '/health')).body.status).toBe('degraded')
      mode = 'hang'
      const late = await call('GET', id(did))
      expect(late.res.status).toBe(503)
      expect(late.body).toMatchObject({ status: 503, detail: 'the request took longer than 200 ms' })
    } finally {
      mode = 'up'
    }
  })

  it('the operation-log routes: GET, HEAD and OPTIONS answers, 400, 404, 405, and 503 when the ledger is down', async () => {
    const suffix = did.split(':')[3]!
    const resource = `${did}/resources/tariffs`
    const log = (name: string) => `/1.0/log/${name}`
    const byKey = `/1.0/ledgers/sgcc/log/${suffix}`
    const page = (await call('GET', `${log(did)}?limit=1`)).body
    expect(page).toMatchObject({ network: 'sgcc', key: suffix, did })
    expect(page.operations).toHaveLength(1)
    expect(page.next).toMatch(/^\d+\.\d+$/)
    expect((await call('GET', `${log(did)}?limit=1&after=${page.next}`)).res.status).toBe(200)
    expect((await call('GET', `${log(resource)}?limit=1`)).body).toMatchObject({ did, resource })
    expect((await call('GET', `${byKey}?limit=1`)).body.operations).toEqual(page.operations)
    const head = (await call('GET', '/1.0/ledgers/sgcc')).body
    expect(head).toMatchObject({ network: 'sgcc' })
    expect((await call('GET', `/1.0/ledgers/sgcc/batches/${page.operations[0].height}`)).body.root).toBe(page.operations[0].batchRoot)
    const routes = [log(did), log(resource), byKey, '/1.0/ledgers/sgcc', `/1.0/ledgers/sgcc/batches/${head.height}`]
    for (const path of routes) {
      expect((await call('GET', path)).res.status, path).toBe(200)
      expect((await call('HEAD', path)).res.status, path).toBe(200)
      expect((await call('OPTIONS', path)).res.status, path).toBe(204)
      const post = await call('POST', path, { body: '{}' })
      expect(post.res.status, path).toBe(405)
      expect(post.res.headers.get('allow')).toBe('GET, HEAD')
    }
    const failures: [string, number, string][] = [
      [log('did:grid:sgcc:nope'), 400, 'ERR_GRID_INVALID_DID'],
      [`${log(did)}?limit=0`, 400, 'ERR_GRID_BAD_REQUEST'],
      [`${log(resource)}?since=1`, 400, 'ERR_GRID_BAD_REQUEST'],
      [log(`${did}/resources/${'x'.repeat(65)}`), 400, 'ERR_GRID_INVALID_DID'],
      ['/1.0/ledgers/sgcc/log/xyz', 400, 'ERR_GRID_BAD_REQUEST'],
      [`${byKey}?after=3`, 400, 'ERR_GRID_BAD_REQUEST'],
      ['/1.0/ledgers/sgcc/batches/1.5', 400, 'ERR_GRID_BAD_REQUEST'],
      ['/1.0/ledgers/sgcc/batches/999', 404, 'ERR_GRID_NOT_FOUND'],
      ['/1.0/ledgers/other', 404, 'ERR_GRID_UNKNOWN_NETWORK'],
      ['/1.0/ledgers/other/batches/1', 404, 'ERR_GRID_UNKNOWN_NETWORK'],
      [`/1.0/ledgers/other/log/${suffix}`, 404, 'ERR_GRID_UNKNOWN_NETWORK'],
      [log(did.replace(':sgcc:', ':other:')), 404, 'ERR_GRID_UNKNOWN_NETWORK'],
      [log(`${did.replace(':sgcc:', ':other:')}/resources/tariffs`), 404, 'ERR_GRID_UNKNOWN_NETWORK'],
      ['/1.0/ledgers/sgcc/other', 404, 'ERR_GRID_NOT_FOUND'],
    ]
    for (const [path, status, error] of failures) {
      const { res, body } = await call('GET', path)
      expect(res.status, path).toBe(status)
      expect(body.error, path).toBe(error)
    }
    try {
      mode = 'down'
      for (const path of [log(did), log(resource), byKey, '/1.0/ledgers/sgcc', '/1.0/ledgers/sgcc/batches/1']) {
        const { res, body } = await call('GET', path)
        expect(res.status, path).toBe(503)
        expect(body.error, path).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
        expect(res.headers.get('retry-after'), path).toBe('1')
      }
    } finally {
      mode = 'up'
    }
  })

  it('every status the identifiers route documents was answered and validated above', () => {
    const documented = Object.keys(doc.paths['/1.0/identifiers/{did}'].post.responses)
    const answered = (s: string) => ['GET', 'POST'].some((m) => seen.has(`${m} /1.0/identifiers/{did} ${s}`))
    expect(documented.filter((s) => !answered(s))).toEqual([])
    for (const status of ['200', '503']) expect(seen.has(`GET /health ${status}`), status).toBe(true)
    // The operation-log routes: every documented status but 500 (a failure the ledger double cannot give) and 414.
    for (const template of LOG_TEMPLATES) {
      const documented = Object.keys(doc.paths[template].get.responses).filter((s) => s !== '500' && s !== '414')
      expect(
        documented.filter((s) => !seen.has(`GET ${template} ${s}`)),
        template,
      ).toEqual([])
    }
  })
})
