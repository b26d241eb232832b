import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { messageOf } from '../lib/message.js'
import type { EndpointReply, Handler } from './endpoint.js'
import { statsOf } from './endpoint.js'
import { routeOf } from './router.js'

/** How far one network's index is behind its chain, as the process that follows it knows it. */
export interface IndexStatus {
  network: string
  /** Height the index has reached. */
  indexedHeight?: number
  /** The chain's finalized height, when it could be read. */
  finalizedHeight?: number
  /** Blocks the index is behind the chain's finalized height. */
  lagBlocks?: number
  /** Background syncs that failed since the process started. */
  syncErrors?: number
  /** When the last sync succeeded, milliseconds since the epoch. */
  lastSyncTime?: number
}

/** Options of the `/metrics` route of {@link serve}. */
export interface MetricsOptions {
  /** Each network's index status, read at every scrape (what `grid-did serve` fills from its chain index). */
  index?: () => readonly IndexStatus[] | Promise<readonly IndexStatus[]>
  /** Process metrics (CPU, memory, event loop, GC) of prom-client's `collectDefaultMetrics`. Default true. */
  processMetrics?: boolean
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'])

/**
 * One server's Prometheus metrics in a registry of its own (no global state): requests and their
 * latency by route template, method and status; the answer cache of the handler it serves; each
 * network's index lag and sync errors; process metrics. Made by {@link serve} when `options.metrics` is set.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly #requests: Counter<'route' | 'method' | 'status'>
  readonly #latency: Histogram<'route' | 'method' | 'status'>

  constructor(handler: Handler, options: MetricsOptions = {}) {
    const registers = [this.registry]
    const labelNames = ['route', 'method', 'status'] as const
    this.#requests = new Counter({ name: 'grid_did_http_requests_total', help: 'HTTP requests answered', labelNames, registers })
    this.#latency = new Histogram({
      name: 'grid_did_http_request_duration_seconds',
      help: 'Time from a request to its answer, seconds',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    })
    const stats = statsOf(handler)
    new Counter({
      name: 'grid_did_answer_cache_requests_total',
      help: 'Identifier requests answered from the answer cache (hit) or resolved (miss)',
      labelNames: ['result'],
      registers,
      collect() {
        const read = stats?.() ?? { cacheHits: 0, cacheMisses: 0 }
        this.reset()
        this.inc({ result: 'hit' }, read.cacheHits)
        this.inc({ result: 'miss' }, read.cacheMisses)
      },
    })
    if (options.index) this.#indexMetrics(options.index)
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  /** Counts one answered request; `status` is `aborted` when the client left before its answer. */
  observe(target: string, method: string, status: string, seconds: number): void {
    const labels = { route: routeOf(target), method: METHODS.has(method) ? method : 'other', status }
    this.#requests.inc(labels)
    this.#latency.observe(labels, seconds)
  }

  /** `GET /metrics`: the exposition format; a failure to collect is a 500, not a crash. */
  async reply(method: string): Promise<EndpointReply> {
    if (method !== 'GET' && method !== 'HEAD') {
      const body = new TextEncoder().encode(
        JSON.stringify({
          type: 'about:blank',
          title: 'Method Not Allowed',
          status: 405,
          detail: `${method} is not allowed on /metrics: GET or HEAD`,
        }),
      )
      return {
        status: 405,
        headers: { allow: 'GET, HEAD', 'content-type': 'application/problem+json', 'content-length': String(body.length) },
        body,
      }
    }
    let text: string
    try {
      text = await this.registry.metrics()
    } catch (err) {
      const body = new TextEncoder().encode(
        JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `metrics failed: ${messageOf(err)}` }),
      )
      return { status: 500, headers: { 'content-type': 'application/problem+json', 'content-length': String(body.length) }, body }
    }
    const body = new TextEncoder().encode(text)
    const headers = { 'content-type': this.registry.contentType, 'content-length': String(body.length), 'cache-control': 'no-store' }
    return { status: 200, headers, body: method === 'HEAD' ? null : body }
  }

  #indexMetrics(index: NonNullable<MetricsOptions['index']>): void {
    const registers = [this.registry]
    const labelNames = ['network'] as const
    // One read per scrape, shared by the four metrics below (prom-client collects them in turn).
    let pending: Promise<readonly IndexStatus[]> | undefined
    const read = () => {
      pending ??= Promise.resolve()
        .then(index)
        .finally(() => setImmediate(() => (pending = undefined)))
      return pending
    }
    const gauge = (name: string, help: string, pick: (s: IndexStatus) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset()
          for (const s of await read()) {
            const value = pick(s)
            if (value !== undefined) this.set({ network: s.network }, value)
          }
        },
      })
    gauge('grid_did_index_height', 'Height the index has reached', (s) => s.indexedHeight)
    gauge('grid_did_chain_finalized_height', "The chain's finalized height", (s) => s.finalizedHeight)
    gauge('grid_did_index_lag_blocks', 'Blocks the index is behind the finalized height', (s) => s.lagBlocks)
    gauge('grid_did_index_last_sync_timestamp_seconds', 'When the last sync succeeded', (s) =>
      s.lastSyncTime === undefined ? undefined : s.lastSyncTime / 1000,
    )
    new Counter({
      name: 'grid_did_index_sync_errors_total',
      help: 'Background syncs of the index that failed',
      labelNames,
      registers,
      async collect() {
        this.reset()
        for (const s of await read()) this.inc({ network: s.network }, s.syncErrors ?? 0)
      },
    })
  }
}
