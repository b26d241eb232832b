import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listen } from '../lib/listen.js'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import { messageOf } from '../lib/message.js'
import { Lru } from '../lib/lru.js'
import { readBody } from './body.js'
import { endpointOf, type EndpointReply, type EndpointRequest, type Handler } from './endpoint.js'

export { createHandler, negotiate } from './handler.js'
export type { Handler, HandlerOptions } from './handler.js'
export { createAttestorHandler } from './attestor-handler.js'
export type { AttestorErrorCode, AttestorHandlerOptions } from './attestor-handler.js'

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Interface to bind; default `127.0.0.1` (expose it deliberately, behind a proxy). */
  host?: string
  /** Port; default 8080, `0` picks a free one. */
  port?: number
  /** One line per request (`time ip method path status bytes ms`); default `console.log`, `false` for none. */
  log?: ((line: string) => void) | false
  /** Time to let in-flight requests finish on {@link RunningServer.close}, ms. Default 5,000. */
  shutdownGraceMs?: number
  /** Time allowed to receive a whole request, ms. Default 15,000. */
  requestTimeoutMs?: number
  /** Time allowed to receive a request's headers, ms; at most `requestTimeoutMs`. Default 10,000 (or `requestTimeoutMs` when lower). */
  headersTimeoutMs?: number
}

/** A running endpoint. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string
  server: Server
  /** Stops accepting, lets in-flight requests finish (up to the grace time), then closes every connection. */
  close(): Promise<void>
}

/**
 * Runs a {@link Handler} on `node:http`: what `grid-did serve` uses, exported for services.
 * Calls the endpoint a handler made by {@link createHandler} carries (no WHATWG `Request`/`Response`
 * per request) and any other handler through a `Request` and `Response`; applies receive timeouts
 * and logs one line per request.
 * @example
 * ```ts
 * const { url, close } = await serve(createHandler({ resolver }), { port: 8080 })
 * process.on('SIGTERM', () => void close())
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export async function serve(handler: Handler, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log
  const grace = options.shutdownGraceMs ?? 5_000
  // A handler made by createHandler carries its endpoint: called without building a WHATWG Request and Response.
  const endpoint = endpointOf(handler)
  const targets = new Targets(host)
  const answer: (req: IncomingMessage) => Promise<EndpointReply> = endpoint
    ? (req) => {
        // undici's Request refuses these methods, so the WHATWG path answers 400: so does this one.
        if (req.method === 'TRACE' || req.method === 'TRACK')
          return Promise.reject(new MalformedRequest(`${req.method} is a forbidden method`))
        return endpoint(new NodeRequest(req, targets.parse(req.url ?? '/')))
      }
    : (req) => viaFetch(handler, req, targets)
  const requestTimeout = options.requestTimeoutMs ?? 15_000
  const headersTimeout = options.headersTimeoutMs ?? Math.min(10_000, requestTimeout)
  if (headersTimeout > requestTimeout)
    throw new RangeError(`options.headersTimeoutMs (${headersTimeout}) must be at most options.requestTimeoutMs (${requestTimeout})`)
  const server = createServer(
    {
      requestTimeout,
      headersTimeout,
      // Node checks both timeouts only this often (30 s by default, which let a slow client keep a
      // connection ~40 s): checked every second, they hold to within a second.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      // What the access log needs is read now: once the connection is gone, `req.socket` is null.
      const seen: Seen = {
        started: log ? performance.now() : 0,
        ip: req.socket?.remoteAddress ?? '-',
        method: req.method ?? '-',
        target: (req.url ?? '').slice(0, 300),
        socket: req.socket,
      }
      // No request may end the process: whatever respond() fails at is logged and its connection
      // closed, never left as an unhandled rejection.
      respond(answer, req, res, seen, log).catch((err: unknown) => {
        // An answer sent in full stays sent; one left half-written is cut off with its connection.
        if (!res.writableEnded) res.destroy()
        quietly(log, `${new Date().toISOString()} ${seen.ip} ${seen.method} ${seen.target} failed: ${messageOf(err).slice(0, 300)}`)
      })
    },
  )
  const { url, close } = await listen(server, options.port ?? 8080, host, grace)
  // After listening, a server error is an accept failure (EMFILE under a connection flood): it ends
  // no process either. The server keeps listening and accepts again once it can.
  server.on('error', (err) => quietly(log, `${new Date().toISOString()} - server error: ${messageOf(err).slice(0, 300)}`))
  return { url, server, close }
}

/** Logs `line` unless logging is off; a logger that throws cannot be told about it either. */
function quietly(log: ((line: string) => void) | false, line: string): void {
  if (!log) return
  try {
    log(line)
  } catch {
    // nothing left to tell
  }
}

/** What the access log says of a request, read when it arrives. */
interface Seen {
  started: number
  ip: string
  method: string
  /** The request target, at most 300 characters. */
  target: string
  /**
   * The connection, held from the start: `res.socket` is null not only once it is gone but also
   * while a pipelined response waits for the one before it.
   */
  socket: Socket | null
}

/** A request the server cannot make sense of (its target, its method): answered 400. */
class MalformedRequest extends Error {}

/** Whether the client of `seen` is gone: its connection closed before the answer could be sent. */
function isGone(seen: Seen, res: ServerResponse): boolean {
  return seen.socket === null || seen.socket.destroyed || res.destroyed
}

async function respond(
  answer: (req: IncomingMessage) => Promise<EndpointReply>,
  req: IncomingMessage,
  res: ServerResponse,
  seen: Seen,
  log: ((line: string) => void) | false,
): Promise<void> {
  let status = '500'
  let bytes = 0
  try {
    const reply = await answer(req)
    // A client gone before its answer: nothing is sent, and the log says so (`-`), not a status.
    const gone = isGone(seen, res)
    status = gone ? '-' : String(reply.status)
    bytes = gone ? 0 : (reply.body?.length ?? 0)
    // A body left unread (refused as too large) is not drained: the connection closes after the answer.
    res.writeHead(reply.status, req.complete ? reply.headers : { ...reply.headers, connection: 'close' })
    if (reply.body === null) res.end()
    else res.end(reply.body)
  } catch (err) {
    // A malformed request is the client's fault (400); anything else is the handler's (500), and
    // the log says what failed. Either way the connection closes after the answer.
    const malformed = err instanceof MalformedRequest
    const gone = isGone(seen, res)
    status = gone ? '-' : malformed ? '400' : '500'
    const detail = malformed ? err.message : 'the request could not be answered'
    const text = JSON.stringify({
      type: 'about:blank',
      title: malformed ? 'Bad Request' : 'Internal Server Error',
      status: malformed ? 400 : 500,
      detail,
    })
    bytes = gone ? 0 : Buffer.byteLength(text)
    if (!res.headersSent)
      res.writeHead(malformed ? 400 : 500, {
        'content-type': 'application/problem+json',
        'content-length': String(bytes),
        connection: 'close',
      })
    if (!res.writableEnded) res.end(text)
    if (!malformed)
      quietly(log, `${new Date().toISOString()} ${seen.ip} ${seen.method} ${seen.target} failed: ${messageOf(err).slice(0, 300)}`)
  }
  if (log)
    log(
      `${new Date().toISOString()} ${seen.ip} ${seen.method} ${seen.target} ${status} ${bytes} ${(performance.now() - seen.started).toFixed(1)}ms`,
    )
}

/** Any other {@link Handler}: through a WHATWG `Request` and `Response`. */
async function viaFetch(handler: Handler, req: IncomingMessage, targets: Targets): Promise<EndpointReply> {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  let request: Request
  try {
    request = new Request(targets.parse(req.url ?? '/').href, {
      method: req.method ?? 'GET',
      headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])) as [
        string,
        string,
      ][],
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit)
  } catch (err) {
    // undici refuses some methods (TRACE, CONNECT) and header values: the request's fault.
    throw err instanceof MalformedRequest ? err : new MalformedRequest(messageOf(err))
  }
  const response = await handler(request)
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : null
  return { status: response.status, headers: Object.fromEntries(response.headers), body }
}

type Target = EndpointRequest['url']

/**
 * Request targets parsed as `new URL` parses them, remembered by their raw text: clients repeat the
 * same few, and parsing is a visible share of a cached answer's cost. Bounded: 1,000 targets of up
 * to 1,024 characters, the least recently used forgotten first.
 */
class Targets {
  readonly #parsed = new Lru<string, Target>({ maxEntries: 1_000 })
  readonly #origin: string

  constructor(host: string) {
    // An IPv6 address is bracketed in a URL (RFC 3986 §3.2.2).
    this.#origin = `http://${host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host}`
  }

  /**
   * The target of a request in origin form (`/path?query`) or absolute form
   * (`http://host/path?query`, which a server must accept, RFC 9112 §3.2.2: its path and query are
   * used). Throws {@link MalformedRequest} for anything else.
   */
  parse(raw: string): Target {
    let target = this.#parsed.get(raw)
    if (target) return target
    let url: URL
    try {
      url = new URL(raw.startsWith('/') ? `${this.#origin}${raw}` : this.#absolute(raw))
    } catch (err) {
      throw new MalformedRequest(`the request target is not a valid URL: ${messageOf(err)}`)
    }
    target = Object.freeze({ href: url.href, pathname: url.pathname, search: url.search })
    if (raw.length <= 1_024) this.#parsed.set(raw, target)
    return target
  }

  /** An absolute-form target re-based on this server's origin. */
  #absolute(raw: string): string {
    const url = new URL(raw)
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`the scheme ${url.protocol.slice(0, 32)} is not http or https`)
    return `${this.#origin}${url.pathname}${url.search}`
  }
}

/** An `IncomingMessage` as the endpoint reads it. */
class NodeRequest implements EndpointRequest {
  readonly method: string
  readonly url: Target
  readonly #req: IncomingMessage

  constructor(req: IncomingMessage, url: Target) {
    this.method = req.method ?? 'GET'
    this.url = url
    this.#req = req
  }

  header(name: string): string | null {
    const value = this.#req.headers[name]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }

  /** The body as text, or `max` when it is larger: {@link readBody}, which leaves a larger body unread. */
  text(max: number): Promise<string | number> {
    return readBody(this.#req, this.#req.headers['content-length'], max)
  }
}
