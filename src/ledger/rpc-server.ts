import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listen } from '../lib/listen.js'
import type { Eip1193Provider } from './eip1193.js'

/** Options of {@link serveRpc}. */
export interface RpcServerOptions {
  /** Interface to bind; default `127.0.0.1` (a dev chain has no access control: expose it deliberately). */
  host?: string
  /** Port; default 8545, `0` picks a free one. */
  port?: number
  /** Largest accepted request body, bytes; default 8 MiB (a registry batch is ~120 KB of calldata, twice that in hex). */
  maxBodyBytes?: number
}

/** A running JSON-RPC endpoint. */
export interface RpcServer {
  /** Base URL, e.g. `http://127.0.0.1:8545`. */
  readonly url: string
  /** Stops accepting, lets in-flight requests finish (up to 5 s), closes idle keep-alive connections at once. Idempotent. */
  close(): Promise<void>
}

type Id = string | number | null
type Call = (args: Parameters<Eip1193Provider['request']>[0]) => Promise<unknown>
type RpcResponse =
  | { jsonrpc: '2.0'; id: Id; result: unknown }
  | { jsonrpc: '2.0'; id: Id; error: { code: number; message: string; data?: unknown } }

const GRACE_MS = 5_000
const ALLOW = 'POST, GET, HEAD, OPTIONS'

/**
 * Serves an EIP-1193 provider as a JSON-RPC 2.0 endpoint over HTTP, the way wallets, Remix, `cast`
 * and viem's `http()` transport expect a node: `POST` single or batch requests, `application/json`
 * answers, provider failures as JSON-RPC errors with their `code`, `message` and `data`.
 * Calls reach the provider one at a time in arrival order (batch members in their order), because a
 * chain that automines rejects a nonce that arrives before its predecessor.
 *
 * HTTP statuses: 200 (every JSON-RPC answer, errors included: -32700 for a body that is not JSON,
 * -32600 for a malformed request object), 204 (notifications only, and CORS preflight), 405 (other
 * methods than POST, GET, HEAD and OPTIONS), 413 (body over `maxBodyBytes`). `GET` answers 200 as a
 * liveness probe. Every answer carries permissive CORS headers, since browser tools talk to dev chains.
 *
 * @throws TypeError when `provider` has no `request` function; RangeError naming the option when
 * `port` or `maxBodyBytes` is out of range.
 * @example
 * ```ts
 * const chain = await createDevChain()
 * const rpc = await serveRpc(chain, { port: 8545 })
 * const client = createPublicClient({ transport: http(rpc.url) })
 * process.on('SIGINT', () => void rpc.close().then(() => chain.close()))
 * ```
 * @see https://www.jsonrpc.org/specification
 */
export async function serveRpc(provider: Eip1193Provider, options: RpcServerOptions = {}): Promise<RpcServer> {
  if (typeof provider?.request !== 'function')
    throw new TypeError('provider must be an EIP-1193 provider (an object with a request function)')
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 8545
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`options.port must be an integer in [0, 65535], got ${port}`)
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024
  if (!Number.isSafeInteger(maxBody) || maxBody < 1) throw new RangeError(`options.maxBodyBytes must be a positive integer, got ${maxBody}`)

  let tail: Promise<unknown> = Promise.resolve()
  const enqueue: Call = (args) => {
    const run = tail.then(() => provider.request(args))
    tail = run.catch(() => undefined)
    return run
  }

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    void respond(req, res, enqueue, maxBody)
  })
  const { url, close } = await listen(server, port, host, GRACE_MS)
  return { url, close }
}

async function respond(req: IncomingMessage, res: ServerResponse, call: Call, maxBody: number): Promise<void> {
  try {
    const cors = corsHeaders(req)
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end()
    if (req.method === 'GET' || req.method === 'HEAD') {
      return void res
        .writeHead(200, { ...cors, 'Content-Type': 'text/plain; charset=utf-8' })
        .end('JSON-RPC 2.0 endpoint: POST application/json requests here.\n')
    }
    if (req.method !== 'POST') {
      return send(res, 405, { ...cors, Allow: ALLOW }, failure(null, -32600, `HTTP ${req.method} is not allowed: POST JSON-RPC requests`))
    }
    const body = await readBody(req, maxBody)
    if (!body) {
      // Close the connection after answering rather than read the rest of an oversized body.
      return send(res, 413, { ...cors, Connection: 'close' }, failure(null, -32600, `the request body is larger than ${maxBody} bytes`))
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch (err) {
      return send(res, 200, cors, failure(null, -32700, `Parse error: ${(err as Error).message}`))
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return send(res, 200, cors, failure(null, -32600, 'Invalid Request: empty batch'))
      // map() starts every member before the first await, so they queue in batch order.
      const answers = (await Promise.all(parsed.map((item) => answer(item, call)))).filter((a) => a !== undefined)
      return answers.length === 0 ? void res.writeHead(204, cors).end() : send(res, 200, cors, answers)
    }
    const single = await answer(parsed, call)
    return single === undefined ? void res.writeHead(204, cors).end() : send(res, 200, cors, single)
  } catch {
    // The client went away or sent a malformed stream; nothing sensible to answer, never crash.
    if (!res.headersSent) res.writeHead(400)
    res.end()
  }
}

/** One request object → its response, or undefined for a notification (no `id` member). */
async function answer(item: unknown, call: Call): Promise<RpcResponse | undefined> {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return failure(null, -32600, 'Invalid Request: expected a JSON-RPC 2.0 request object')
  const request = item as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown }
  const hasId = 'id' in request
  const id = request.id
  if (hasId && id !== null && typeof id !== 'string' && typeof id !== 'number')
    return failure(null, -32600, 'Invalid Request: id must be a string, a number or null')
  const validId = (hasId ? id : null) as Id
  if (request.jsonrpc !== '2.0') return failure(validId, -32600, 'Invalid Request: jsonrpc must be "2.0"')
  if (typeof request.method !== 'string') return failure(validId, -32600, 'Invalid Request: method must be a string')
  if (request.params !== undefined && (typeof request.params !== 'object' || request.params === null)) {
    return failure(validId, -32600, 'Invalid Request: params must be an array or an object')
  }
  const args =
    request.params === undefined
      ? { method: request.method }
      : { method: request.method, params: request.params as readonly unknown[] | object }
  let response: RpcResponse
  try {
    response = { jsonrpc: '2.0', id: validId, result: (await call(args)) ?? null }
  } catch (err) {
    response = { jsonrpc: '2.0', id: validId, error: toRpcError(err) }
  }
  return hasId ? response : undefined
}

function toRpcError(err: unknown): { code: number; message: string; data?: unknown } {
  const e = err as { code?: unknown; message?: unknown; data?: unknown } | null | undefined
  const message = typeof e?.message === 'string' ? e.message : 'Internal error'
  if (typeof e?.code !== 'number' || !Number.isInteger(e.code)) return { code: -32603, message }
  return e.data === undefined ? { code: e.code, message } : { code: e.code, message, data: e.data }
}

function failure(id: Id, code: number, message: string): RpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message } }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, payload: RpcResponse | RpcResponse[]): void {
  let text: string
  try {
    text = JSON.stringify(payload)
  } catch {
    // A provider answered something JSON cannot hold (a bigint, a cycle): report that member alone.
    const one = (r: RpcResponse): RpcResponse => {
      try {
        JSON.stringify(r)
        return r
      } catch (err) {
        return failure(r.id, -32603, `the provider's answer is not JSON: ${(err as Error).message}`)
      }
    }
    text = JSON.stringify(Array.isArray(payload) ? payload.map(one) : one(payload))
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }).end(text)
}

/** Reads the body, or returns undefined as soon as it (declared or received) exceeds `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > max) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= max) return void chunks.push(chunk)
      // Still flowing without a listener: the rest is read and dropped, and the socket closes after the 413.
      req.off('data', onData)
      resolve(undefined)
    }
    req.on('data', onData)
    req.once('end', () => resolve(size <= max ? Buffer.concat(chunks, size) : undefined))
    req.once('error', reject)
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection mid-request'))
    })
  })
}

/** Permissive CORS, including Chrome's Private Network Access preflight (a public page such as Remix calling localhost). */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': ALLOW,
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type, Authorization',
    'Access-Control-Max-Age': '600',
  }
  if (req.headers['access-control-request-private-network'] === 'true') headers['Access-Control-Allow-Private-Network'] = 'true'
  return headers
}
