import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listen } from '../lib/listen.js'
import { Readable } from 'node:stream'
import type { Handler } from './handler.js'

export { createHandler, negotiate } from './handler.js'
export type { Handler, HandlerOptions } from './handler.js'

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
 * Converts requests and responses, applies receive timeouts and logs one line per request.
 * @example
 * ```ts
 * const { url, close } = await serve(createHandler({ resolver }), { port: 8080 })
 * process.on('SIGTERM', () => void close())
 * ```
 * @see ../../spec/did-grid.md#resolution
 */
export async function serve(handler: Handler, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log
  const grace = options.shutdownGraceMs ?? 5_000
  const server = createServer({ requestTimeout: options.requestTimeoutMs ?? 15_000, headersTimeout: 10_000 }, (req, res) => {
    void respond(handler, req, res, host, log)
  })
  const { url, close } = await listen(server, options.port ?? 8080, host, grace)
  return { url, server, close }
}

async function respond(handler: Handler, req: IncomingMessage, res: ServerResponse, host: string, log: ((line: string) => void) | false): Promise<void> {
  const started = performance.now()
  let status = 500
  let bytes = 0
  try {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`http://${host}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])) as [string, string][],
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit)
    const response = await handler(request)
    status = response.status
    const payload = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined
    bytes = payload?.length ?? 0
    res.writeHead(status, Object.fromEntries(response.headers))
    res.end(payload)
  } catch {
    // The handler never throws; this is a broken connection or a malformed request line.
    if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'application/problem+json' })
    res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400 }))
    status = 400
  } finally {
    if (log) {
      const ms = (performance.now() - started).toFixed(1)
      log(`${new Date().toISOString()} ${req.socket.remoteAddress ?? '-'} ${req.method} ${(req.url ?? '').slice(0, 300)} ${status} ${bytes} ${ms}ms`)
    }
  }
}
