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

/** @internal The endpoint without WHATWG `Request`/`Response` objects. */
export type Endpoint = (request: EndpointRequest) => Promise<EndpointReply>

/**
 * The property under which a handler carries its {@link Endpoint}. A registered symbol, so that a
 * handler made by the ESM build is recognised by the CommonJS build's adapter too.
 * @internal
 */
export const ENDPOINT = Symbol.for('grid-did.server.endpoint')

/**
 * A {@link Handler} that can also be called without WHATWG objects: what `createHandler` makes. An
 * adapter that has its own request objects (the `node:http` one) calls `handler[ENDPOINT]` and skips
 * building a `Request` and a `Response` per request; both calls give the same answer.
 * @internal
 */
export interface EndpointHandler extends Handler {
  readonly [ENDPOINT]: Endpoint
}

/** `handler`, carrying `endpoint` (read-only, not enumerable) as an {@link EndpointHandler}. @internal */
export function withEndpoint(handler: Handler, endpoint: Endpoint): EndpointHandler {
  return Object.defineProperty(handler, ENDPOINT, { value: endpoint }) as EndpointHandler
}

/** The {@link Endpoint} a handler carries (see {@link EndpointHandler}); undefined for any other handler. @internal */
export function endpointOf(handler: Handler): Endpoint | undefined {
  const endpoint = (handler as Partial<EndpointHandler>)[ENDPOINT]
  return typeof endpoint === 'function' ? endpoint : undefined
}

/** What a handler made by `createHandler` counts, read by the metrics of the adapter that serves it. @internal */
export interface HandlerStats {
  /** Identifier requests answered from the answer cache, and those it could not answer. */
  cacheHits: number
  cacheMisses: number
}

/** The property under which a handler carries its {@link HandlerStats} reader (registered, as {@link ENDPOINT}). @internal */
export const STATS = Symbol.for('grid-did.server.stats')

/** `handler`, carrying `stats` (read-only, not enumerable). @internal */
export function withStats<H extends Handler>(handler: H, stats: () => HandlerStats): H {
  return Object.defineProperty(handler, STATS, { value: stats })
}

/** The {@link HandlerStats} reader a handler carries; undefined for any other handler. @internal */
export function statsOf(handler: Handler): (() => HandlerStats) | undefined {
  const stats = (handler as { [STATS]?: unknown })[STATS]
  return typeof stats === 'function' ? (stats as () => HandlerStats) : undefined
}
