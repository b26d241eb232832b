import type { DIDResolutionResult } from 'did-resolver'
import { toHex, utf8Encode } from '../lib/bytes.js'
import { sha256 } from '../lib/crypto.js'
import { messageOf } from '../lib/message.js'
import { readAtMost } from '../lib/stream.js'
import { parseDid, parseDidUrl } from '../method/did.js'
import type { DIDDereferencingResult, GridResolutionOptions, GridResolver } from '../resolver/resolver.js'

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  resolver: GridResolver
  /** DIDs listed by `GET /1.0/testIdentifiers`. */
  testIdentifiers?: string[]
  /** Largest accepted request body (POST), bytes. Default 16 KiB. */
  maxBodyBytes?: number
  /** Longest accepted request URL, characters. Default 8,192. */
  maxUrlLength?: number
  /** Time a request may take before it is answered 503, milliseconds. Default 10,000. */
  timeoutMs?: number
  /** `Access-Control-Allow-Origin` for GET requests. Default `*`. */
  corsOrigin?: string
}

/** A `Request → Response` function: the whole endpoint, testable without sockets. */
export type Handler = (request: Request) => Promise<Response>

/** The full DID Resolution result media types (current and the one Veramo sends). */
const RESULT_TYPES = ['application/did-resolution', 'application/ld+json;profile="https://w3id.org/did-resolution"'] as const
/** Media types that get only the document, and the representation the resolver produces for each. */
const DOCUMENT_TYPES: Record<string, 'application/did+ld+json' | 'application/did+json' | 'application/did'> = {
  'application/did': 'application/did',
  'application/did+json': 'application/did+json',
  'application/did+ld+json': 'application/did+ld+json',
  'application/ld+json': 'application/did+ld+json',
  'application/json': 'application/did+ld+json',
}
const PREFIX = '/1.0/identifiers/'

/** DID Resolution error code → HTTP status (DID Resolution §HTTP(S) binding). */
const STATUS: Record<string, number> = {
  invalidDid: 400,
  invalidDidUrl: 400,
  invalidOptions: 400,
  notFound: 404,
  representationNotSupported: 406,
  methodNotSupported: 501,
  internalError: 500,
}

/** DID Resolution error code → RFC 9457 `type` (the DID Core error vocabulary). */
const PROBLEM_TYPES: Record<string, string> = {
  invalidDid: 'https://www.w3.org/ns/did#INVALID_DID',
  invalidDidUrl: 'https://www.w3.org/ns/did#INVALID_DID_URL',
  invalidOptions: 'https://www.w3.org/ns/did#INVALID_OPTIONS',
  notFound: 'https://www.w3.org/ns/did#NOT_FOUND',
  representationNotSupported: 'https://www.w3.org/ns/did#REPRESENTATION_NOT_SUPPORTED',
  methodNotSupported: 'https://www.w3.org/ns/did#METHOD_NOT_SUPPORTED',
  internalError: 'https://www.w3.org/ns/did#INTERNAL_ERROR',
}

type Negotiated = { kind: 'result'; type: string } | { kind: 'document'; type: string; representation: (typeof DOCUMENT_TYPES)[string] }

/**
 * The universal resolver endpoint as a plain function (DIF Universal Resolver driver API):
 *
 * - `GET /1.0/identifiers/{did-or-did-url}` resolves a DID, or dereferences a DID URL (fragment,
 *   `service`/`relativeRef`, `/resources/<id>`); `POST` to the same path takes resolution options as
 *   a JSON body (`accept`, `versionId`, `versionTime`, `ledgerHeight`).
 * - `GET /1.0/methods`, `/1.0/testIdentifiers`, `/1.0/properties`, `/1.0/traits`, `/health`.
 *
 * Content negotiation: `application/did-resolution` and `application/ld+json;profile="https://w3id.org/did-resolution"`
 * (and no Accept header) get the full result; `application/did`, `application/did+json`,
 * `application/did+ld+json`, `application/ld+json` and `application/json` the document; anything else 406.
 * Statuses: 200, 304, 400, 404, 405, 406, 410 (deactivated, with the body), 413, 414, 500, 501, 503.
 * Errors keep DID Core's string codes in `didResolutionMetadata.error`, with RFC 9457 problem
 * details alongside. `ETag` is derived from the ledger head, so a revalidation costs one head read.
 *
 * @example
 * ```ts
 * const handler = createHandler({ resolver })
 * const res = await handler(new Request(`http://localhost/1.0/identifiers/${did}`))
 * ```
 * @see ../../spec/did-grid.md#resolution
 */
export function createHandler(options: HandlerOptions): Handler {
  if (typeof options?.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a GridResolver')
  const resolver = options.resolver
  const maxBody = options.maxBodyBytes ?? 16_384
  const maxUrl = options.maxUrlLength ?? 8_192
  const timeoutMs = options.timeoutMs ?? 10_000
  const cors = options.corsOrigin ?? '*'
  const tests = { grid: [...(options.testIdentifiers ?? [])] }

  const route = async (request: Request): Promise<Response> => {
    if (request.url.length > maxUrl) return problem(414, 'URI Too Long', `the request URL is longer than ${maxUrl} characters`)
    const url = new URL(request.url)
    const path = url.pathname
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders(cors) })
    const isIdentifiers = path.startsWith(PREFIX)
    const allowed = isIdentifiers ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD']
    if (!allowed.includes(request.method)) {
      return problem(405, 'Method Not Allowed', `${request.method} is not allowed on ${path.slice(0, 100)}`, { Allow: allowed.join(', ') })
    }
    switch (path) {
      case '/health':
        return health(resolver)
      case '/1.0/methods':
        return json(['grid'])
      case '/1.0/testIdentifiers':
        return json(tests)
      case '/1.0/properties':
        return json({ grid: { networks: resolver.networks, contentTypes: [...RESULT_TYPES, ...Object.keys(DOCUMENT_TYPES)] } })
      case '/1.0/traits':
        return json({ grid: TRAITS })
    }
    if (!isIdentifiers) return problem(404, 'Not Found', `no route ${path.slice(0, 100)}`)
    return identifiers(request, url, resolver, maxBody)
  }

  return async (request) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<Response>((resolve) => {
      timer = setTimeout(() => resolve(problem(503, 'Service Unavailable', `the request took longer than ${timeoutMs} ms`, { 'Retry-After': '1' })), timeoutMs)
    })
    try {
      const response = await Promise.race([route(request), timeout])
      for (const [k, v] of Object.entries(corsHeaders(cors))) response.headers.set(k, v)
      return request.method === 'HEAD' ? new Response(null, { status: response.status, headers: response.headers }) : response
    } catch (err) {
      // Never crash the server: anything unexpected is a 500 in the endpoint's own error format.
      return problem(500, 'Internal Server Error', `the request failed: ${messageOf(err)}`)
    } finally {
      clearTimeout(timer)
    }
  }
}

/** DIF DID traits of did:grid. */
const TRAITS = {
  updatable: true,
  deactivatable: true,
  deletable: false,
  rotatable: true,
  enumerable: false,
  historyAvailable: true,
  humanReadable: false,
  locationIndependent: true,
  selfCertifying: true,
}

async function identifiers(request: Request, url: URL, resolver: GridResolver, maxBody: number): Promise<Response> {
  let didUrl: string
  try {
    didUrl = decodeURIComponent(url.pathname.slice(PREFIX.length)) + url.search
  } catch {
    return resolutionError('invalidDidUrl', 'the identifier is not valid percent-encoding')
  }
  let options: GridResolutionOptions = {}
  if (request.method === 'POST') {
    const body = await readBody(request, maxBody)
    if (typeof body === 'number') return problem(413, 'Content Too Large', `the request body is larger than ${maxBody} bytes`)
    const parsed = parseOptions(body)
    if (typeof parsed === 'string') return resolutionError('invalidOptions', parsed)
    options = parsed
  }
  const negotiated = negotiate(options.accept ?? request.headers.get('accept'))
  if (!negotiated) {
    return resolutionError('representationNotSupported', `acceptable types: ${[...RESULT_TYPES, ...Object.keys(DOCUMENT_TYPES)].join(', ')}`)
  }
  let parsed
  try {
    parsed = parseDidUrl(didUrl)
  } catch (err) {
    // A bad DID is invalidDid; a good DID with a bad path, query or fragment is invalidDidUrl.
    return resolutionError(isDid(didUrl.split(/[/?#]/)[0]!) ? 'invalidDidUrl' : 'invalidDid', messageOf(err))
  }
  // ETag from the ledger head: nothing this endpoint returns can change until the head moves.
  let etag: string | undefined
  try {
    const head = await resolver.head(parsed.network)
    etag = `"${head.finalizedHeight}-${toHex(sha256(utf8Encode(`${negotiated.type}\n${request.method === 'POST' ? JSON.stringify(options) : ''}\n${didUrl}`))).slice(0, 16)}"`
    if (request.headers.get('if-none-match')?.split(/\s*,\s*/).includes(etag)) {
      return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': CACHE } })
    }
  } catch {
    etag = undefined // unknown network or ledger down: resolution reports it properly below
  }
  const selection = { ...options }
  delete selection.accept
  const isDereference = parsed.path !== undefined || parsed.fragment !== undefined || parsed.params?.service !== undefined
  const response = isDereference
    ? await dereference(resolver, didUrl, selection, negotiated)
    : await resolve(resolver, didUrl, selection, negotiated)
  if (etag && response.status < 500) {
    response.headers.set('ETag', etag)
    response.headers.set('Cache-Control', CACHE)
  }
  return response
}

// Answers can change with every new block: revalidate each time (cheap: see the ETag).
const CACHE = 'public, max-age=0, must-revalidate'

async function resolve(resolver: GridResolver, did: string, options: GridResolutionOptions, negotiated: Negotiated): Promise<Response> {
  const accept = negotiated.kind === 'document' ? negotiated.representation : 'application/did+ld+json'
  const result = await resolver.resolve(did, { ...options, accept })
  const error = result.didResolutionMetadata.error
  if (error) return resolutionError(error, String(result.didResolutionMetadata.message ?? ''))
  const status = result.didDocumentMetadata.deactivated ? 410 : 200
  if (negotiated.kind === 'document') return body(status, negotiated.type, result.didDocument)
  return body(status, negotiated.type, { '@context': 'https://w3id.org/did-resolution/v1', ...result })
}

async function dereference(resolver: GridResolver, didUrl: string, options: GridResolutionOptions, negotiated: Negotiated): Promise<Response> {
  const result: DIDDereferencingResult = await resolver.dereference(didUrl, {
    ...options,
    ...(negotiated.kind === 'document' ? { accept: negotiated.representation } : {}),
  })
  const error = result.dereferencingMetadata.error
  if (error) return resolutionError(error, String(result.dereferencingMetadata.message ?? ''), 'dereferencingMetadata')
  const status = result.contentMetadata.deactivated ? 410 : 200
  if (negotiated.kind === 'result') return body(status, negotiated.type, { '@context': 'https://w3id.org/did-resolution/v1', ...result })
  const type = String(result.dereferencingMetadata.contentType)
  if (type === 'text/uri-list') {
    const list = Array.isArray(result.contentStream) ? result.contentStream.join('\r\n') : String(result.contentStream)
    return new Response(`${list}\r\n`, { status, headers: { 'Content-Type': 'text/uri-list' } })
  }
  return body(status, type === 'application/json' ? 'application/json' : negotiated.type, result.contentStream)
}

/** The first acceptable media type, by q-value then order; undefined when none is acceptable. */
export function negotiate(accept: string | null | undefined): Negotiated | undefined {
  if (accept === null || accept === undefined || accept.trim() === '') return { kind: 'result', type: RESULT_TYPES[0] }
  const ranges = accept
    .split(',')
    .map((part, order) => {
      const [type, ...params] = part.split(';').map((x) => x.trim())
      let q = 1
      const rest: string[] = []
      for (const p of params) {
        const [k, v] = p.split('=').map((x) => x.trim())
        if (k?.toLowerCase() === 'q') q = Number(v)
        else if (k) rest.push(`${k.toLowerCase()}=${v ?? ''}`)
      }
      return { type: (type ?? '').toLowerCase(), params: rest, q: Number.isFinite(q) ? q : 0, order }
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
  for (const r of ranges) {
    const profile = r.params.find((p) => p.startsWith('profile='))?.slice(8).replace(/^"|"$/g, '')
    if (r.type === 'application/did-resolution') return { kind: 'result', type: RESULT_TYPES[0] }
    if (r.type === 'application/ld+json' && profile === 'https://w3id.org/did-resolution') return { kind: 'result', type: RESULT_TYPES[1] }
    const representation = DOCUMENT_TYPES[r.type]
    if (representation && profile === undefined) return { kind: 'document', type: r.type, representation }
    if (r.type === '*/*' || r.type === 'application/*') return { kind: 'result', type: RESULT_TYPES[0] }
  }
  return undefined
}

function parseOptions(text: string): GridResolutionOptions | string {
  let value: unknown
  try {
    value = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    return 'the request body must be a JSON object of resolution options'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the request body must be a JSON object of resolution options'
  const known = ['accept', 'versionId', 'versionTime', 'ledgerHeight']
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (!known.includes(k)) return `unknown resolution option "${k.slice(0, 40)}"; known: ${known.join(', ')}`
    if (k === 'ledgerHeight' ? !Number.isSafeInteger(v) : typeof v !== 'string' && !(k === 'versionId' && Number.isSafeInteger(v))) {
      return `resolution option ${k} has the wrong type`
    }
    out[k] = v
  }
  return out as GridResolutionOptions
}

/** The body as text, or its size limit (number) when it is larger. */
async function readBody(request: Request, max: number): Promise<string | number> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > max) return max
  if (!request.body) return ''
  const bytes = await readAtMost(request.body, max)
  if (!bytes) return max
  return new TextDecoder().decode(bytes)
}

function isDid(text: string): boolean {
  try {
    parseDid(text)
    return true
  } catch {
    return false
  }
}

async function health(resolver: GridResolver): Promise<Response> {
  const networks: Record<string, unknown> = {}
  let ok = true
  for (const name of resolver.networks) {
    try {
      const head = await resolver.head(name)
      networks[name] = { height: head.height, finalizedHeight: head.finalizedHeight, time: head.time }
    } catch (err) {
      ok = false
      networks[name] = { error: messageOf(err) }
    }
  }
  return json({ status: ok ? 'ok' : 'degraded', networks }, ok ? 200 : 503)
}

function resolutionError(error: string, message: string, key: 'didResolutionMetadata' | 'dereferencingMetadata' = 'didResolutionMetadata'): Response {
  const status = STATUS[error] ?? 500
  const problemDetails = { type: PROBLEM_TYPES[error] ?? PROBLEM_TYPES.internalError, title: error, status, detail: message }
  const result: DIDResolutionResult | DIDDereferencingResult =
    key === 'didResolutionMetadata'
      ? { didResolutionMetadata: { error, message, problemDetails } as never, didDocument: null, didDocumentMetadata: {} }
      : { dereferencingMetadata: { error, message, problemDetails }, contentStream: null, contentMetadata: {} }
  return body(status, RESULT_TYPES[0], { '@context': 'https://w3id.org/did-resolution/v1', ...result })
}

function problem(status: number, title: string, detail: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

function json(value: unknown, status = 200): Response {
  return body(status, 'application/json', value)
}

function body(status: number, type: string, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': type } })
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Accept, Content-Type, If-None-Match',
    'Access-Control-Expose-Headers': 'ETag',
  }
}
