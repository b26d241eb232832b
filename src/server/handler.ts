import { messageOf } from '../lib/message.js'
import type { GridResolver } from '../resolver/resolver.js'
import { AnswerCache } from './answer-cache.js'
import { toReply, withoutBody, type Answer } from './answer.js'
import { readRequestBody } from './body.js'
import { Deadlines } from './deadline.js'
import { HEAD_TTL_MS, HeadWatch } from './head-watch.js'
import { withEndpoint, withStats, type Endpoint, type EndpointReply, type EndpointRequest, type Handler } from './endpoint.js'
import { Negotiator } from './negotiate.js'
import { problem } from './problem.js'
import type { SyncStatusOf } from './health.js'
import { createRouter } from './router.js'
import { Targets } from './target.js'

export type { Handler } from './endpoint.js'
export { negotiate } from './negotiate.js'

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
   * so a repeated request costs at most one head read (default 1,000 answers, 16 MiB). `false`
   * resolves every request.
   */
  cache?: false | { maxEntries?: number; maxBytes?: number }
  /**
   * How long a network's finalized head is kept between reads, ms (default 25): answers (and their
   * `ETag`s) name the head they were computed at, and anchors this process makes through the ledger
   * (its `submit`, a chain index's sync) show on the next request whatever this is. `0` reads the
   * head for every request.
   */
  headTtlMs?: number
  /**
   * Each network's chain index status (`(network) => index.syncStatus()`), for `/health`'s heights,
   * lag and last sync; without it `/health` reads each network's head.
   */
  syncStatus?: SyncStatusOf
}

/**
 * The universal resolver endpoint as a plain function (DIF Universal Resolver driver API):
 *
 * - `GET /1.0/identifiers/{did-or-did-url}` resolves a DID, or dereferences a DID URL (fragment,
 *   `service`/`relativeRef`, `/resources/<id>`); `POST` to the same path takes resolution options as
 *   a JSON body (`accept`, `versionId`, `versionTime`, `ledgerHeight`).
 * - `GET /1.0/methods`, `/1.0/testIdentifiers`, `/1.0/properties`, `/1.0/traits`, `/health` (readiness: heights, lag, last sync;
 *   503 when a ledger is down or behind), `/livez` (liveness), and `/1.0/openapi.json`: the OpenAPI 3.1 description of all of them.
 *
 * Content negotiation: `application/did-resolution` and `application/ld+json;profile="https://w3id.org/did-resolution"`
 * (and no Accept header) get the full result; `application/did`, `application/did+json`,
 * `application/did+ld+json`, `application/ld+json` and `application/json` the document; a service
 * dereference (`?service=…`) also `text/uri-list`; anything else 406. A DID URL with a path, a
 * fragment or a `service` parameter always gets a dereferencing result (`dereferencingMetadata`),
 * even when it is malformed.
 * Statuses: 200, 304, 400, 403 (a service endpoint not handed out), 404, 405, 406, 410 (deactivated, with the body), 413, 414, 500, 501, 503.
 * Errors keep DID Core's string codes in `didResolutionMetadata.error`, with RFC 9457 problem
 * details alongside. `ETag` is derived from the ledger head the answer is computed at (read at most
 * every `options.headTtlMs`, and after every anchor through the ledger object); answers are cached
 * under the same key (`options.cache`), so a repeated request costs at most one head read.
 *
 * @example
 * ```ts
 * const handler = createHandler({ resolver })
 * const res = await handler(new Request(`http://localhost/1.0/identifiers/${did}`))
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export function createHandler(options: HandlerOptions): Handler {
  if (typeof options?.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a GridResolver')
  const resolver = options.resolver
  const maxBody = options.maxBodyBytes ?? 16_384
  const maxUrl = options.maxUrlLength ?? 8_192
  const timeoutMs = options.timeoutMs ?? 10_000
  const cors = options.corsOrigin ?? '*'
  const testIdentifiers = [...(options.testIdentifiers ?? [])]
  const corsAnswer = corsHeaders(cors)
  const cache =
    options.cache === false
      ? undefined
      : new AnswerCache(options.cache?.maxEntries ?? 1_000, options.cache?.maxBytes ?? 16 * 2 ** 20, corsAnswer)
  const route = createRouter({
    resolver,
    maxUrl,
    testIdentifiers,
    syncStatus: options.syncStatus,
    identifiers: {
      resolver,
      maxBody,
      cache,
      targets: new Targets(),
      negotiator: new Negotiator(),
      heads: new HeadWatch(resolver, options.headTtlMs ?? HEAD_TTL_MS),
    },
  })
  const deadlines = new Deadlines(timeoutMs)

  // CORS headers on every answer (they win, as `Headers.set` after the fact did); none on HEAD's body.
  const finish = (request: EndpointRequest, answer: Answer): EndpointReply => {
    const reply = cache?.isSent(answer) ? answer : toReply(answer, corsAnswer)
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
        resolve(
          finish(request, problem(503, 'Service Unavailable', `the request took longer than ${timeoutMs} ms`, { 'retry-after': '1' })),
        )
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
      text: (max) => readRequestBody(request, max),
    })
    return new Response(reply.body, { status: reply.status, headers: reply.headers })
  }
  return withStats(withEndpoint(handler, endpoint), () => ({ cacheHits: cache?.hits ?? 0, cacheMisses: cache?.misses ?? 0 }))
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
    'access-control-allow-headers': 'Accept, Content-Type, If-None-Match',
    'access-control-expose-headers': 'ETag',
  }
}
