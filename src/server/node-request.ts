import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { Lru } from '../lib/lru.js'
import { messageOf } from '../lib/message.js'
import { readBody } from './body.js'
import type { EndpointReply, EndpointRequest, Handler } from './endpoint.js'

/** A request the server cannot make sense of (its target, its method): answered 400. */
export class MalformedRequest extends Error {}

/** Any other {@link Handler}: through a WHATWG `Request` and `Response`. */
export async function viaFetch(handler: Handler, req: IncomingMessage, targets: Targets): Promise<EndpointReply> {
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
export class Targets {
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
export class NodeRequest implements EndpointRequest {
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
