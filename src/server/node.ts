import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listen } from '../lib/listen.js'
import type { Socket } from 'node:net'
import { endpointOf, type EndpointReply, type Handler } from './endpoint.js'
import { AccessLog, type ServeLog } from './logging.js'
import { MalformedRequest, NodeRequest, Targets, viaFetch } from './node-request.js'
import { routeOf } from './router.js'
import type { MetricsOptions, ServerMetrics } from './metrics.js'

export { createHandler, negotiate } from './handler.js'
export type { Handler, HandlerOptions } from './handler.js'
export { createAttestorHandler } from './attestor-handler.js'
export type { AttestorErrorCode, AttestorHandlerOptions } from './attestor-handler.js'
export { createLogger } from './logging.js'
export type { AccessEntry, Logger, LoggerOptions, ServeLog } from './logging.js'
export type { IndexStatus, MetricsOptions } from './metrics.js'

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Interface to bind; default `127.0.0.1` (expose it deliberately, behind a proxy). */
  host?: string
  /** Port; default 8080, `0` picks a free one. */
  port?: number
  /**
   * The access log: a pino `Logger` (from {@link createLogger}) gets one structured record per
   * request (`requestId`, `ip`, `method`, `path`, `route`, `status`, `bytes`, `durationMs`; the id,
   * a client's `X-Request-Id` or a new UUID, is sent back in `X-Request-Id`); a function gets one
   * line of text (`time ip method path status bytes ms`); default `console.log`, `false` for none.
   */
  log?: ServeLog
  /**
   * `GET /metrics` in the Prometheus exposition format (prom-client, loaded only then), in a
   * registry of this server's own: requests and latency by route template and status, the answer
   * cache, each network's index (`index`), process metrics. Default off.
   */
  metrics?: boolean | MetricsOptions
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
  const log = new AccessLog(options.log)
  const grace = options.shutdownGraceMs ?? 5_000
  // A handler made by createHandler carries its endpoint: called without building a WHATWG Request and Response.
  const endpoint = endpointOf(handler)
  const targets = new Targets(host)
  const inner: (req: IncomingMessage) => Promise<EndpointReply> = endpoint
    ? (req) => {
        // undici's Request refuses these methods, so the WHATWG path answers 400: so does this one.
        if (req.method === 'TRACE' || req.method === 'TRACK')
          return Promise.reject(new MalformedRequest(`${req.method} is a forbidden method`))
        return endpoint(new NodeRequest(req, targets.parse(req.url ?? '/')))
      }
    : (req) => viaFetch(handler, req, targets)
  const metrics = options.metrics ? await loadMetrics(handler, options.metrics) : undefined
  const answer: (req: IncomingMessage) => Promise<EndpointReply> = metrics
    ? (req) => (/^\/metrics(\?|$)/.test(req.url ?? '') ? metrics.reply(req.method ?? 'GET') : inner(req))
    : inner
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
        started: log.on || metrics ? performance.now() : 0,
        ip: req.socket?.remoteAddress ?? '-',
        method: req.method ?? '-',
        target: (req.url ?? '').slice(0, 300),
        socket: req.socket,
        requestId: log.structured ? requestIdOf(req) : undefined,
      }
      if (seen.requestId) res.setHeader('x-request-id', seen.requestId)
      // No request may end the process: whatever respond() fails at is logged and its connection
      // closed, never left as an unhandled rejection.
      respond(answer, req, res, seen, log, metrics).catch((err: unknown) => {
        // An answer sent in full stays sent; one left half-written is cut off with its connection.
        if (!res.writableEnded) res.destroy()
        log.failed(failedEntry(seen), err)
      })
    },
  )
  const { url, close } = await listen(server, options.port ?? 8080, host, grace)
  // After listening, a server error is an accept failure (EMFILE under a connection flood): it ends
  // no process either. The server keeps listening and accepts again once it can.
  server.on('error', (err) => log.serverError(err))
  return { url, server, close }
}

/** The metrics of one server: prom-client is loaded only when they are asked for. */
async function loadMetrics(handler: Handler, options: true | MetricsOptions): Promise<ServerMetrics> {
  const { ServerMetrics } = await import('./metrics.js')
  return new ServerMetrics(handler, options === true ? {} : options)
}

/** A client's `X-Request-Id` when it is a plain token (so logs stay parseable), a new UUID otherwise. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID()
}

function failedEntry(seen: Seen) {
  return { ...(seen.requestId ? { requestId: seen.requestId } : {}), ip: seen.ip, method: seen.method, path: seen.target }
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
  /** Set when the access log is structured. */
  requestId: string | undefined
}

/** Whether the client of `seen` is gone: its connection closed before the answer could be sent. */
function isGone(seen: Seen, res: ServerResponse): boolean {
  return seen.socket === null || seen.socket.destroyed || res.destroyed
}

async function respond(
  answer: (req: IncomingMessage) => Promise<EndpointReply>,
  req: IncomingMessage,
  res: ServerResponse,
  seen: Seen,
  log: AccessLog,
  metrics: ServerMetrics | undefined,
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
    if (!malformed) log.failed(failedEntry(seen), err)
  }
  const durationMs = performance.now() - seen.started
  metrics?.observe(seen.target, seen.method, status === '-' ? 'aborted' : status, durationMs / 1000)
  if (log.on)
    log.request({
      ...(seen.requestId ? { requestId: seen.requestId } : {}),
      ip: seen.ip,
      method: seen.method,
      path: seen.target,
      route: routeOf(seen.target),
      status: status === '-' ? null : Number(status),
      bytes,
      durationMs,
    })
}
