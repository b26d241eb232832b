import type { DIDResolutionResult } from 'did-resolver'
import { toHex, utf8Encode } from '../lib/bytes.js'
import { sha256 } from '../lib/crypto.js'
import { messageOf } from '../lib/message.js'
import { readAtMost } from '../lib/stream.js'
import { parseDidUrl, type GridDidUrl } from '../method/did.js'
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
  /**
   * Cache of serialised answers, keyed like the `ETag` (ledger head, media type, options, DID URL),
   * so a repeated request costs one head read (default 1,000 answers, 16 MiB). `false` resolves
   * every request.
   */
  cache?: false | { maxEntries?: number; maxBytes?: number }
}

/** A `Request → Response` function: the whole endpoint, testable without sockets. */
export type Handler = (request: Request) => Promise<Response>

/**
 * A request as the endpoint reads it: what both the `Request` wrapper and the `node:http` adapter
 * give without building the other's objects.
 * @internal
 */
export interface EndpointRequest {
  method: string
  /** The request URL (absolute), or the parts of it the endpoint reads. */
  url: Readonly<Pick<URL, 'href' | 'pathname' | 'search'>>
  /** A request header (lowercase name), or null when absent. */
  header(name: string): string | null
  /** The body as text, or `max` (a number) when it is larger. Called only for POST. */
  text(max: number): Promise<string | number>
}

/**
 * What the endpoint sends: header names lowercase, `content-length` set when there is a body.
 * Cached replies are shared between requests: never mutate one.
 * @internal
 */
export interface EndpointReply {
  status: number
  headers: Readonly<Record<string, string>>
  body: Uint8Array | null
}

/** What a route answers, before the CORS headers and the body's encoding and length. */
interface Answer {
  status: number
  headers: Readonly<Record<string, string>>
  body: string | Uint8Array | null
}

/** @internal The endpoint without WHATWG `Request`/`Response` objects. */
export type Endpoint = (request: EndpointRequest) => Promise<EndpointReply>

const endpoints = new WeakMap<Handler, Endpoint>()

/**
 * The endpoint behind a handler made by {@link createHandler}, for the `node:http` adapter; undefined
 * for any other handler.
 * @internal
 */
export function endpointOf(handler: Handler): Endpoint | undefined {
  return endpoints.get(handler)
}

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
/** What a service dereference (`?service=…`) may also be answered as: its endpoint URIs, one a line. */
const URI_LIST = 'text/uri-list'

/** DID Resolution error code → HTTP status (DID Resolution §HTTP(S) binding). */
const STATUS: Record<string, number> = {
  invalidDid: 400,
  invalidDidUrl: 400,
  invalidOptions: 400,
  notAllowedServiceEndpoint: 403,
  notFound: 404,
  representationNotSupported: 406,
  methodNotSupported: 501,
  internalError: 500,
}

/** DID Resolution error code → RFC 9457 `type` (the DID Core error vocabulary). */
const PROBLEM_TYPES: Record<string, string> = {
  // did:grid's own code: no DID Core type, so the status's own (RFC 9457 §4.2.1).
  notAllowedServiceEndpoint: 'about:blank',
  invalidDid: 'https://www.w3.org/ns/did#INVALID_DID',
  invalidDidUrl: 'https://www.w3.org/ns/did#INVALID_DID_URL',
  invalidOptions: 'https://www.w3.org/ns/did#INVALID_OPTIONS',
  notFound: 'https://www.w3.org/ns/did#NOT_FOUND',
  representationNotSupported: 'https://www.w3.org/ns/did#REPRESENTATION_NOT_SUPPORTED',
  methodNotSupported: 'https://www.w3.org/ns/did#METHOD_NOT_SUPPORTED',
  internalError: 'https://www.w3.org/ns/did#INTERNAL_ERROR',
}

type Negotiated =
  | { kind: 'result'; type: string }
  | { kind: 'document'; type: string; representation: (typeof DOCUMENT_TYPES)[string] }
  | { kind: 'uri-list'; type: typeof URI_LIST }

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
 * `application/did+ld+json`, `application/ld+json` and `application/json` the document; a service
 * dereference (`?service=…`) also `text/uri-list`; anything else 406. A DID URL with a path, a
 * fragment or a `service` parameter always gets a dereferencing result (`dereferencingMetadata`),
 * even when it is malformed.
 * Statuses: 200, 304, 400, 403 (a service endpoint not handed out), 404, 405, 406, 410 (deactivated, with the body), 413, 414, 500, 501, 503.
 * Errors keep DID Core's string codes in `didResolutionMetadata.error`, with RFC 9457 problem
 * details alongside. `ETag` is derived from the ledger head, so a revalidation costs one head read;
 * answers are cached under the same key (`options.cache`), so a repeated request costs one too.
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
  const corsAnswer = corsHeaders(cors)
  const cache = options.cache === false ? undefined : new ReplyCache(options.cache?.maxEntries ?? 1_000, options.cache?.maxBytes ?? 16 * 2 ** 20, corsAnswer)
  const context: Context = { resolver, maxBody, cache, targets: new Map() }
  const deadlines = new Deadlines(timeoutMs)

  // Not async: the answers that need no I/O come back without a promise hop.
  const route = (request: EndpointRequest): Answer | Promise<Answer> => {
    const url = request.url
    if (url.href.length > maxUrl) return problem(414, 'URI Too Long', `the request URL is longer than ${maxUrl} characters`)
    const path = url.pathname
    if (request.method === 'OPTIONS') return { status: 204, headers: {}, body: null }
    const isIdentifiers = path.startsWith(PREFIX)
    const allowed = isIdentifiers ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD']
    if (!allowed.includes(request.method)) {
      return problem(405, 'Method Not Allowed', `${request.method} is not allowed on ${path.slice(0, 100)}`, { allow: allowed.join(', ') })
    }
    switch (path) {
      case '/health':
        return health(resolver)
      case '/1.0/methods':
        return json(['grid'])
      case '/1.0/testIdentifiers':
        return json(tests)
      case '/1.0/properties':
        return json({ grid: { networks: resolver.networks, contentTypes: [...RESULT_TYPES, ...Object.keys(DOCUMENT_TYPES), URI_LIST] } })
      case '/1.0/traits':
        return json({ grid: TRAITS })
    }
    if (!isIdentifiers) return problem(404, 'Not Found', `no route ${path.slice(0, 100)}`)
    return identifiers(request, context)
  }

  // CORS headers on every answer (they win, as `Headers.set` after the fact did); none on HEAD's body.
  const finish = (request: EndpointRequest, answer: Answer): EndpointReply => {
    const reply = sent.has(answer) ? (answer as EndpointReply) : toReply(answer, corsAnswer)
    return request.method === 'HEAD' ? withoutBody(reply) : reply
  }
  // Never crash the server: anything unexpected is a 500 in the endpoint's own error format.
  const failed = (err: unknown) => toReply(problem(500, 'Internal Server Error', `the request failed: ${messageOf(err)}`), {})

  const endpoint: Endpoint = (request) => {
    let routed: Answer | Promise<Answer>
    try {
      routed = route(request)
    } catch (err) {
      return Promise.resolve(failed(err))
    }
    if (!(routed instanceof Promise)) return Promise.resolve(finish(request, routed))
    return new Promise((resolve) => {
      const waiting = deadlines.start(() => {
        resolve(finish(request, problem(503, 'Service Unavailable', `the request took longer than ${timeoutMs} ms`, { 'retry-after': '1' })))
      })
      routed.then(
        (answer) => {
          deadlines.settle(waiting)
          resolve(finish(request, answer))
        },
        (err: unknown) => {
          deadlines.settle(waiting)
          resolve(failed(err))
        },
      )
    })
  }

  const handler: Handler = async (request) => {
    const reply = await endpoint({
      method: request.method,
      url: new URL(request.url),
      header: (name) => request.headers.get(name),
      text: (max) => readBody(request, max),
    })
    return new Response(reply.body, { status: reply.status, headers: reply.headers })
  }
  endpoints.set(handler, endpoint)
  return handler
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

/** What {@link identifiers} works with, made once per handler. */
interface Context {
  resolver: GridResolver
  maxBody: number
  cache: ReplyCache | undefined
  /** Request URLs seen recently, by `href`: clients repeat the same few. */
  targets: Map<string, Target>
}

/** A request URL as {@link identifiers} reads it. */
interface Target {
  /** The DID URL: the path after the prefix, percent-decoded, and the query. */
  didUrl: string
  /** Whether it is dereferenced (a path, a fragment or a `service` parameter), judged by its text so that a malformed one counts too. */
  dereference: boolean
  /** Whether it has a `service` parameter (then `text/uri-list` is acceptable). */
  service: boolean
  /** Cache key of a GET of `didUrl`, by negotiated media type. */
  keys: Map<string, string>
}

/** The {@link Target} of `url`, remembered (up to 1,000 URLs of up to 1,024 characters); undefined when it is not valid percent-encoding. */
function targetOf(url: EndpointRequest['url'], targets: Map<string, Target>): Target | undefined {
  let target = targets.get(url.href)
  if (target) return target
  try {
    const didUrl = decodeURIComponent(url.pathname.slice(PREFIX.length)) + url.search
    target = { didUrl, ...kindOf(didUrl), keys: new Map() }
  } catch {
    return undefined
  }
  if (url.href.length <= 1_024) {
    if (targets.size >= 1_000) targets.clear()
    targets.set(url.href, target)
  }
  return target
}

/**
 * Whether a DID URL is dereferenced and whether it names a service, read from its text as
 * {@link parseDidUrl} splits it (DID, then path, query and fragment), so that it holds for a
 * malformed DID URL too.
 */
function kindOf(didUrl: string): { dereference: boolean; service: boolean } {
  const start = didUrl.search(/[/?#]/)
  if (start < 0) return { dereference: false, service: false }
  const hash = didUrl.indexOf('#', start)
  const q = didUrl.indexOf('?', start)
  const query = q < 0 || (hash >= 0 && hash < q) ? '' : didUrl.slice(q + 1, hash < 0 ? undefined : hash)
  const service = query.split('&').some((pair) => pair.split('=', 1)[0] === 'service')
  return { dereference: didUrl[start] === '/' || hash >= 0 || service, service }
}

async function identifiers(request: EndpointRequest, { resolver, maxBody, cache, targets }: Context): Promise<Answer> {
  const target = targetOf(request.url, targets)
  if (!target) return resolutionError('invalidDidUrl', 'the identifier is not valid percent-encoding')
  const didUrl = target.didUrl
  const shape = target.dereference ? 'dereferencingMetadata' : 'didResolutionMetadata'
  let options: GridResolutionOptions = {}
  if (request.method === 'POST') {
    const body = await request.text(maxBody)
    if (typeof body === 'number') return problem(413, 'Content Too Large', `the request body is larger than ${maxBody} bytes`)
    const parsed = parseOptions(body)
    if (typeof parsed === 'string') return resolutionError('invalidOptions', parsed, shape)
    options = parsed
  }
  const negotiated = negotiateMemo(options.accept ?? request.header('accept'), target.service)
  if (!negotiated) {
    const types = [...RESULT_TYPES, ...Object.keys(DOCUMENT_TYPES), ...(target.service ? [URI_LIST] : [])]
    return resolutionError('representationNotSupported', `acceptable types: ${types.join(', ')}`, shape)
  }
  const selection = { ...options }
  delete selection.accept
  // ETag from the ledger head: nothing this endpoint returns can change until the head moves. The
  // same holds for the answer itself, so it is cached under the same key.
  let key = request.method === 'POST' ? `${negotiated.type}\n${JSON.stringify(options)}\n${didUrl}` : target.keys.get(negotiated.type)
  if (key === undefined) {
    key = `${negotiated.type}\n\n${didUrl}`
    target.keys.set(negotiated.type, key)
  }
  // A cached answer names its network, so a repeated request does not parse the DID URL again.
  const known = cache?.peek(key)
  let parsed: GridDidUrl | undefined
  if (!known) {
    try {
      parsed = parseDidUrl(didUrl)
    } catch {
      // The resolver decides the code (invalidDid, invalidDidUrl, methodNotSupported for another
      // method's DID), in the shape of the function this request calls.
      const result = target.dereference ? await resolver.dereference(didUrl, selection) : await resolver.resolve(didUrl, selection)
      const meta: { error?: string; message?: unknown } = 'dereferencingMetadata' in result ? result.dereferencingMetadata : result.didResolutionMetadata
      return resolutionError(meta.error ?? 'internalError', String(meta.message ?? ''), shape)
    }
  }
  let etag: string | undefined
  let height = 0
  let cached: CachedReply | undefined
  const ifNoneMatch = request.header('if-none-match')?.trim()
  const noneMatch = !ifNoneMatch ? undefined : ifNoneMatch === '*' ? '*' : 'tag'
  try {
    height = (await resolver.head(known?.network ?? parsed!.network)).finalizedHeight
    if (known?.height === height) cached = cache!.touch(key, known)
    etag = cached?.etag ?? `"${height}-${toHex(sha256(utf8Encode(key))).slice(0, 16)}"`
    if (noneMatch === 'tag' && matches(request.header('if-none-match')!, etag)) return notModified(etag)
  } catch {
    etag = undefined // unknown network or ledger down: resolution reports it properly below
  }
  // `*` matches any current representation (RFC 9110 §13.1.2): known only once the answer is.
  if (cached) return noneMatch === '*' && isSuccess(cached.reply.status) ? notModified(etag!) : cached.reply
  parsed ??= parseDidUrl(didUrl) // parsed before, when the answer was cached
  const answer = target.dereference
    ? await dereference(resolver, didUrl, selection, negotiated, target.service)
    : await resolve(resolver, didUrl, selection, negotiated)
  if (!etag || answer.status >= 500) return answer
  const tagged = { status: answer.status, headers: { ...answer.headers, etag, 'cache-control': CACHE, vary: 'Accept' }, body: answer.body }
  const stored = cache ? cache.set(key, parsed.network, height, etag, tagged) : tagged
  return noneMatch === '*' && isSuccess(answer.status) ? notModified(etag) : stored
}

// Answers can change with every new block: revalidate each time (cheap: see the ETag). They are
// negotiated, so a shared cache keys them by Accept too (RFC 9110 §12.5.5).
const CACHE = 'public, max-age=0, must-revalidate'

/** Whether an `If-None-Match` list names `etag`, by weak comparison (RFC 9110 §8.8.3.2, §13.1.2): `W/` is ignored. */
function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

/** 304 with the headers a 200 would carry that describe it (RFC 9110 §15.4.5). */
function notModified(etag: string): Answer {
  return { status: 304, headers: { etag, 'cache-control': CACHE, vary: 'Accept' }, body: null }
}

async function resolve(resolver: GridResolver, did: string, options: GridResolutionOptions, negotiated: Negotiated): Promise<Answer> {
  if (negotiated.kind === 'document') {
    // DID Core §7.1 resolveRepresentation: the body is the representation asked for.
    const result = await resolver.resolveRepresentation(did, { ...options, accept: negotiated.representation })
    const error = result.didResolutionMetadata.error
    if (error) return resolutionError(error, String(result.didResolutionMetadata.message ?? ''))
    return { status: result.didDocumentMetadata.deactivated ? 410 : 200, headers: { 'content-type': negotiated.type }, body: result.didDocumentStream }
  }
  const result = await resolver.resolve(did, options)
  const error = result.didResolutionMetadata.error
  if (error) return resolutionError(error, String(result.didResolutionMetadata.message ?? ''))
  const status = result.didDocumentMetadata.deactivated ? 410 : 200
  // Serialised into the result, the document is its JSON-LD representation, and the result says so
  // (DID Resolution §HTTP(S) binding); the library's resolve() returns it as data, without contentType.
  const didResolutionMetadata = { ...result.didResolutionMetadata, contentType: 'application/did+ld+json' }
  return body(status, negotiated.type, { '@context': 'https://w3id.org/did-resolution/v1', ...result, didResolutionMetadata })
}

async function dereference(resolver: GridResolver, didUrl: string, options: GridResolutionOptions, negotiated: Negotiated, service: boolean): Promise<Answer> {
  // A service's endpoint has its own media types (text/uri-list, application/json): the resolver
  // weighs the one asked for against them, as it does for a library caller.
  const accept = negotiated.kind === 'result' ? undefined : service || negotiated.kind === 'uri-list' ? negotiated.type : negotiated.representation
  const result: DIDDereferencingResult = await resolver.dereference(didUrl, accept === undefined ? options : { ...options, accept })
  const error = result.dereferencingMetadata.error
  if (error) return resolutionError(error, String(result.dereferencingMetadata.message ?? ''), 'dereferencingMetadata')
  const status = result.contentMetadata.deactivated ? 410 : 200
  if (negotiated.kind === 'result') return body(status, negotiated.type, { '@context': 'https://w3id.org/did-resolution/v1', ...result })
  const type = String(result.dereferencingMetadata.contentType)
  if (type === URI_LIST) {
    // The resolver hands out only URIs it has checked (printable ASCII, allowed schemes).
    const list = Array.isArray(result.contentStream) ? result.contentStream.join('\r\n') : String(result.contentStream)
    return { status, headers: { 'content-type': URI_LIST }, body: `${list}\r\n` }
  }
  return body(status, type === 'application/json' ? 'application/json' : negotiated.type, result.contentStream)
}

const negotiated = new Map<string, Negotiated | undefined>()

/** {@link negotiate}, remembered for up to 256 distinct short Accept headers (clients send few). */
function negotiateMemo(accept: string | null | undefined, uriList: boolean): Negotiated | undefined {
  if (accept === null || accept === undefined || accept.length > 256) return negotiate(accept, uriList)
  const key = `${uriList ? 'u' : '-'}${accept}`
  if (negotiated.has(key)) return negotiated.get(key)
  if (negotiated.size >= 256) negotiated.clear()
  const result = negotiate(accept, uriList)
  negotiated.set(key, result)
  return result
}

/**
 * The first acceptable media type, by q-value then order; undefined when none is acceptable.
 * `text/uri-list` counts only when `uriList` is true (a service dereference).
 */
export function negotiate(accept: string | null | undefined, uriList = false): Negotiated | undefined {
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
    if (r.type === URI_LIST && uriList) return { kind: 'uri-list', type: URI_LIST }
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

/**
 * The body as text, or its size limit (number) when it is larger.
 * @internal shared by the resolver endpoint and the attestor service.
 */
export async function readBody(request: Request, max: number): Promise<string | number> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > max) return max
  if (!request.body) return ''
  const bytes = await readAtMost(request.body, max)
  if (!bytes) return max
  return new TextDecoder().decode(bytes)
}

async function health(resolver: GridResolver): Promise<Answer> {
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

function resolutionError(error: string, message: string, key: 'didResolutionMetadata' | 'dereferencingMetadata' = 'didResolutionMetadata'): Answer {
  const status = STATUS[error] ?? 500
  const problemDetails = { type: PROBLEM_TYPES[error] ?? PROBLEM_TYPES.internalError, title: error, status, detail: message }
  const result: DIDResolutionResult | DIDDereferencingResult =
    key === 'didResolutionMetadata'
      ? { didResolutionMetadata: { error, message, problemDetails } as never, didDocument: null, didDocumentMetadata: {} }
      : { dereferencingMetadata: { error, message, problemDetails }, contentStream: null, contentMetadata: {} }
  return body(status, RESULT_TYPES[0], { '@context': 'https://w3id.org/did-resolution/v1', ...result })
}

function problem(status: number, title: string, detail: string, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/problem+json', ...headers }, body: problemJson(status, title, detail) }
}

/**
 * RFC 9457 problem details as this package's endpoints send them (`application/problem+json`), with
 * `extra` members after the standard ones.
 * @internal shared by the resolver endpoint and the attestor service.
 */
export function problemJson(status: number, title: string, detail: string, extra: Readonly<Record<string, unknown>> = {}): string {
  return JSON.stringify({ type: 'about:blank', title, status, detail, ...extra })
}

function json(value: unknown, status = 200): Answer {
  return body(status, 'application/json', value)
}

function body(status: number, type: string, value: unknown): Answer {
  return { status, headers: { 'content-type': type }, body: JSON.stringify(value) }
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
    'access-control-allow-headers': 'Accept, Content-Type, If-None-Match',
    'access-control-expose-headers': 'ETag',
  }
}

/** `answer` as sent: `extra` headers set, the body as UTF-8 bytes with its `content-length`. */
function toReply(answer: Answer, extra: Readonly<Record<string, string>>): EndpointReply {
  const body = typeof answer.body === 'string' ? utf8Encode(answer.body) : answer.body
  const headers = body ? { ...answer.headers, ...extra, 'content-length': String(body.length) } : { ...answer.headers, ...extra }
  return { status: answer.status, headers, body }
}

/** The reply to a HEAD request: the GET reply's status and headers, without body or length. */
function withoutBody(reply: EndpointReply): EndpointReply {
  const { 'content-length': _length, ...headers } = reply.headers
  return { status: reply.status, headers, body: null }
}

/** One request waiting for its answer in {@link Deadlines}. */
interface Waiting {
  /** `performance.now()` time limit. */
  at: number
  /** Answers the request 503; a no-op once it has an answer, so a settled entry holds nothing. */
  expire: () => void
  done: boolean
}

const nothing = () => undefined

/**
 * The time limit of one handler's requests, kept with one timer instead of one per request (a
 * visible share of a cached answer's cost): the limit is the same for every request, so deadlines
 * come in arrival order and only the oldest open request needs timing. The timer keeps the process
 * alive only while a request is open, as per-request timers did.
 */
class Deadlines {
  readonly #ms: number
  /** Requests in arrival order; those before `#first` have their answer. */
  #open: Waiting[] = []
  #first = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(ms: number) {
    this.#ms = ms
  }

  /** Calls `expire` once the time limit has passed, unless {@link settle} comes first. */
  start(expire: () => void): Waiting {
    const waiting: Waiting = { at: performance.now() + this.#ms, expire, done: false }
    if (this.#first === this.#open.length) {
      this.#open = []
      this.#first = 0
      if (this.#timer) this.#timer.ref()
      else this.#timer = setTimeout(this.#fire, this.#ms)
    }
    this.#open.push(waiting)
    return waiting
  }

  /** The request of `waiting` has its answer. */
  settle(waiting: Waiting): void {
    waiting.done = true
    waiting.expire = nothing
    while (this.#first < this.#open.length && this.#open[this.#first]!.done) this.#first++
    if (this.#first === this.#open.length) this.#timer?.unref()
    else if (this.#first > 1_024) {
      this.#open = this.#open.slice(this.#first)
      this.#first = 0
    }
  }

  readonly #fire = (): void => {
    const now = performance.now()
    while (this.#first < this.#open.length) {
      const waiting = this.#open[this.#first]!
      if (!waiting.done && waiting.at > now) break
      this.#first++
      const expire = waiting.expire
      this.settle(waiting)
      expire()
    }
    this.#timer = this.#first < this.#open.length ? setTimeout(this.#fire, this.#open[this.#first]!.at - now) : undefined
  }
}

/** Replies that are already as sent (the cached ones): {@link toReply} is not applied again. */
const sent = new WeakSet<Answer>()

/** One cached reply: the network and head height it was produced at, and its ETag. */
interface CachedReply {
  network: string
  height: number
  etag: string
  reply: EndpointReply
  size: number
}

/**
 * Replies as sent, least recently used first out, bounded by count and by bytes. One entry per key:
 * a reply from another head height is a miss, and is replaced.
 */
class ReplyCache {
  readonly #entries = new Map<string, CachedReply>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #cors: Readonly<Record<string, string>>
  #bytes = 0

  constructor(maxEntries: number, maxBytes: number, cors: Readonly<Record<string, string>>) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError('options.cache.maxEntries must be a non-negative integer')
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError('options.cache.maxBytes must be a non-negative integer')
    this.#maxEntries = maxEntries
    this.#maxBytes = maxBytes
    this.#cors = cors
  }

  /** The entry of `key`, whatever its height, without counting it as used. */
  peek(key: string): CachedReply | undefined {
    return this.#entries.get(key)
  }

  /** Counts `entry` (from {@link peek}) as used, and returns it. */
  touch(key: string, entry: CachedReply): CachedReply {
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry
  }

  /**
   * Stores `answer` as sent (CORS headers, body as bytes) and returns that; returns `answer` as it
   * is when it is larger than the whole budget.
   */
  set(key: string, network: string, height: number, etag: string, answer: Answer): Answer {
    this.#delete(key)
    const reply = toReply(answer, this.#cors)
    // Keys are UTF-16 in memory; headers are a few hundred bytes at most.
    const size = 2 * key.length + 512 + (reply.body?.length ?? 0)
    if (this.#maxEntries === 0 || size > this.#maxBytes) return answer
    while (this.#entries.size >= this.#maxEntries || this.#bytes + size > this.#maxBytes) this.#delete(this.#entries.keys().next().value!)
    sent.add(reply)
    this.#entries.set(key, { network, height, etag, reply, size })
    this.#bytes += size
    return reply
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.size
  }
}
