import { LedgerClosedError, LedgerCorruptError, LedgerForbiddenError, LedgerUnavailableError } from '../errors.js'
import { fromBase64url } from '../lib/bytes.js'
import type { AnchoredOperation } from '../method/state.js'
import { checkHeight, checkRead, inReadRange } from './admit.js'
import type { BatchInfo, Ledger, LedgerHead, LogPosition, ReadOptions, Receipt, Submittable } from './types.js'

/** Most operations one page of the operation-log route returns; a larger `limit` is cut to this. */
export const MAX_LOG_PAGE = 1_000

/** One operation as the operation-log route serves it: its bytes (base64url) and its receipt. */
export interface LoggedOperation extends Omit<Receipt, 'did'> {
  /** The canonical operation bytes, base64url without padding. */
  bytes: string
}

/** A page of a key's operation log, as `GET /1.0/ledgers/{network}/log/{key}` answers it. */
export interface OperationLogPage {
  network: string
  key: string
  operations: LoggedOperation[]
  /** The cursor of the next page (`height.position`), present when this page is full. */
  next?: string
}

/** Options of {@link RemoteLedger}. */
export interface RemoteLedgerOptions {
  /** Base URL of the endpoint (`https://resolver.example`); its path, if any, is kept as a prefix. */
  url: string | URL
  /** The network whose ledger this adapter reads. */
  network: string
  /** Operations asked for per request, 1‥{@link MAX_LOG_PAGE}. Default {@link MAX_LOG_PAGE}. */
  pageSize?: number
  /** Time one request may take, milliseconds. Default 10,000. */
  timeoutMs?: number
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch
}

/**
 * A read-only {@link Ledger} over a resolver endpoint's operation log (`/1.0/ledgers/{network}/…`),
 * so that a service can run `GridResolver` and `checkRole` against a hosted endpoint without reaching
 * its store or a chain node. It passes on the bytes as served; the resolver re-verifies each
 * operation (self-signed, hash-linked) as it does for every ledger, so the endpoint can withhold or
 * delay operations but never forge one (spec §Operation logs). `submit` is refused
 * (`ERR_GRID_LEDGER_FORBIDDEN`); an endpoint that cannot answer is `ERR_GRID_LEDGER_UNAVAILABLE`,
 * never an empty log; an answer out of order or out of range is `ERR_GRID_LEDGER_CORRUPT`.
 *
 * @example
 * ```ts
 * const ledger = new RemoteLedger({ url: 'https://resolver.utility.example', network: 'sgcc' })
 * const resolver = new GridResolver({ networks: { sgcc: ledger } })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#operation-logs
 */
export class RemoteLedger implements Ledger {
  readonly network: string
  readonly #base: string
  readonly #pageSize: number
  readonly #timeoutMs: number
  readonly #fetch: typeof fetch
  readonly #inFlight = new Set<AbortController>()
  #closed = false

  constructor(options: RemoteLedgerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
    if (typeof options.network !== 'string' || options.network === '') throw new TypeError('options.network must be a network name')
    let url: URL
    try {
      url = new URL(String(options.url))
    } catch {
      throw new TypeError('options.url must be an absolute http(s) URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('options.url must be an absolute http(s) URL')
    const pageSize = options.pageSize ?? MAX_LOG_PAGE
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_LOG_PAGE) {
      throw new RangeError(`options.pageSize must be an integer from 1 to ${MAX_LOG_PAGE}`)
    }
    const timeoutMs = options.timeoutMs ?? 10_000
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError('options.timeoutMs must be a positive integer')
    const fetcher = options.fetch ?? globalThis.fetch
    if (typeof fetcher !== 'function') throw new TypeError('options.fetch must be a function (no global fetch here)')
    this.network = options.network
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, '')}/1.0/ledgers/${encodeURIComponent(options.network)}`
    this.#pageSize = pageSize
    this.#timeoutMs = timeoutMs
    this.#fetch = fetcher
  }

  /** Always refused: operations are anchored through the utility's own ledger, not its endpoint. */
  async submit(_operations: readonly Submittable[]): Promise<Receipt[]> {
    this.#open()
    throw new LedgerForbiddenError(`the remote ledger of ${this.network} is read-only: submit through a writable ledger`)
  }

  async read(suffix: string, options: ReadOptions = {}): Promise<AnchoredOperation[]> {
    this.#open()
    checkRead(suffix, options)
    const out: AnchoredOperation[] = []
    let after = options.after
    let remaining = options.limit ?? Number.POSITIVE_INFINITY
    for (;;) {
      const asked = Math.min(this.#pageSize, remaining)
      const query = new URLSearchParams({ limit: String(asked) })
      for (const name of ['afterHeight', 'untilHeight', 'untilTime'] as const) {
        if (options[name] !== undefined) query.set(name, String(options[name]))
      }
      if (after) query.set('after', `${after.height}.${after.position}`)
      const page = (await this.#get(`/log/${encodeURIComponent(suffix)}?${query}`)) as OperationLogPage
      const ops = this.#page(page, suffix, { ...options, ...(after ? { after } : {}) }, asked)
      out.push(...ops)
      remaining -= ops.length
      if (ops.length < asked || remaining === 0) return out
      const last = ops.at(-1)!
      after = { height: last.height, position: last.position }
    }
  }

  async head(): Promise<LedgerHead> {
    this.#open()
    const body = (await this.#get('')) as Record<string, unknown>
    const head = { height: body.height, time: body.time, finalizedHeight: body.finalizedHeight }
    if (!Object.values(head).every(isCount) || (head.finalizedHeight as number) > (head.height as number)) {
      throw new LedgerCorruptError(`the endpoint's head of ${this.network} is malformed`)
    }
    return head as LedgerHead
  }

  async batch(height: number): Promise<BatchInfo | undefined> {
    this.#open()
    checkHeight(height)
    if (height < 1) return undefined
    const body = (await this.#get(`/batches/${height}`)) as Record<string, unknown> | undefined
    if (body === undefined) return undefined
    const { time, root, operations } = body
    if (
      body.height !== height ||
      !isCount(time) ||
      typeof root !== 'string' ||
      !/^[0-9a-f]{64}$/.test(root) ||
      !Array.isArray(operations) ||
      !operations.every((c) => typeof c === 'string')
    ) {
      throw new LedgerCorruptError(`the endpoint's batch ${height} of ${this.network} is malformed`)
    }
    return { height, time, root, operations: operations as string[] }
  }

  /** Aborts the requests in flight; every later call fails with `ERR_GRID_LEDGER_CLOSED`. */
  async close(): Promise<void> {
    this.#closed = true
    for (const controller of this.#inFlight) controller.abort()
  }

  #open(): void {
    if (this.#closed) throw new LedgerClosedError()
  }

  /** One page checked: a wrong key, order or range, or an overfull page is the endpoint's fault. */
  #page(page: OperationLogPage, suffix: string, range: ReadOptions, asked: number): AnchoredOperation[] {
    const bad = (why: string) => new LedgerCorruptError(`the endpoint's log of ${suffix} on ${this.network} ${why}`)
    if (typeof page !== 'object' || page === null || page.key !== suffix || !Array.isArray(page.operations)) {
      throw bad('is not an operation-log page of that key')
    }
    if (page.operations.length > asked) throw bad(`has ${page.operations.length} operations where at most ${asked} were asked for`)
    let previous: LogPosition | undefined = range.after
    return page.operations.map((op) => {
      if (typeof op !== 'object' || op === null || ![op.height, op.position, op.time].every(isCount) || typeof op.bytes !== 'string') {
        throw bad('has a malformed operation')
      }
      if (!/^[A-Za-z0-9_-]*$/.test(op.bytes)) throw bad('has operation bytes that are not base64url')
      const at = { height: op.height, position: op.position, time: op.time }
      if (!inReadRange(at, range)) throw bad(`has an operation outside the range asked for (${op.height}.${op.position})`)
      if (previous && !(op.height > previous.height || (op.height === previous.height && op.position > previous.position))) {
        throw bad(`is out of ledger order at ${op.height}.${op.position}`)
      }
      previous = at
      return { bytes: fromBase64url(op.bytes).slice(), ...at }
    })
  }

  /** GET `path` under the network's base: the JSON body, or undefined for a batch the endpoint does not have. */
  async #get(path: string): Promise<unknown> {
    const url = `${this.#base}${path}`
    const controller = new AbortController()
    this.#inFlight.add(controller)
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs)
    try {
      let res: Response
      try {
        res = await this.#fetch(url, { headers: { accept: 'application/json' }, signal: controller.signal })
      } catch (cause) {
        if (this.#closed) throw new LedgerClosedError()
        const why = controller.signal.aborted ? `no answer within ${this.#timeoutMs} ms` : 'the endpoint cannot be reached'
        throw new LedgerUnavailableError(`${why} (${url})`, { cause })
      }
      let body: unknown
      try {
        body = await res.json()
      } catch (cause) {
        throw new LedgerUnavailableError(`the endpoint answered ${res.status} without JSON (${url})`, { cause })
      }
      if (res.ok) return body
      const code = (body as { error?: unknown } | null)?.error
      if (res.status === 404 && code === 'ERR_GRID_NOT_FOUND' && path.startsWith('/batches/')) return undefined
      const detail = (body as { detail?: unknown } | null)?.detail
      throw new LedgerUnavailableError(
        `the endpoint answered ${res.status}${typeof code === 'string' ? ` ${code}` : ''}${typeof detail === 'string' ? `: ${detail.slice(0, 200)}` : ''} (${url})`,
      )
    } finally {
      clearTimeout(timer)
      this.#inFlight.delete(controller)
    }
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}
