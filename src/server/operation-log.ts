import { GridError, LedgerCorruptError, UnknownNetworkError } from '../errors.js'
import { MAX_LOG_PAGE, type LoggedOperation, type OperationLogPage } from '../ledger/remote.js'
import type { ReadOptions } from '../ledger/types.js'
import { toBase64url } from '../lib/bytes.js'
import { Lru } from '../lib/lru.js'
import { messageOf } from '../lib/message.js'
import { operationCid } from '../method/cid.js'
import { parseDid } from '../method/did.js'
import { resourceSuffix } from '../method/resource-suffix.js'
import type { GridResolver } from '../resolver/resolver.js'
import { json, type Answer } from './answer.js'
import type { EndpointRequest } from './endpoint.js'
import { problemJson } from './problem.js'

/** Operations per page when the request names no `limit`. */
const DEFAULT_PAGE = 100
/** Batch roots a handler keeps. */
const ROOTS_KEPT = 10_000
const LEDGERS = '/1.0/ledgers/'
const LOGS = '/1.0/log/'
const KEY = /^[a-z2-7]{52}$/
const COUNT = /^(0|[1-9][0-9]{0,14})$/
const CURSOR = /^(0|[1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,14})$/
const RESOURCE = /^(did:[^/]+)\/resources\/([A-Za-z0-9_-]{1,64})$/
const PARAMS = new Set(['afterHeight', 'untilHeight', 'untilTime', 'after', 'limit'])

/** Whether `path` is one of the operation-log routes. */
export function isOperationLogPath(path: string): boolean {
  return path.startsWith(LEDGERS) || path.startsWith(LOGS)
}

/**
 * The operation-log routes (`GET`/`HEAD`): what an untrusting reader (`RemoteLedger`) needs to
 * re-verify everything itself.
 *
 * - `/1.0/ledgers/{network}` → the head `{ network, height, time, finalizedHeight }`;
 * - `/1.0/ledgers/{network}/batches/{height}` → `{ network, height, time, root, operations }`;
 * - `/1.0/ledgers/{network}/log/{key}` → one page of an index key's operations in ledger order, each
 *   with its bytes (base64url) and receipt (`cid`, `height`, `position`, `time`, `batchRoot`);
 * - `/1.0/log/{did}` and `/1.0/log/{did}/resources/{id}` → the same page for a DID or one of its
 *   resources (the audit log by name).
 *
 * A page takes `afterHeight`, `untilHeight`, `untilTime`, `after` (the cursor `height.position`) and
 * `limit` (default 100, cut to 1,000), and carries `next` when it is full. Errors are problem details
 * with an `error` code: 400 `ERR_GRID_BAD_REQUEST` / `ERR_GRID_INVALID_DID`, 404
 * `ERR_GRID_UNKNOWN_NETWORK` / `ERR_GRID_NOT_FOUND` (no batch at that height), 503
 * `ERR_GRID_LEDGER_UNAVAILABLE` (never an empty log), 500 `ERR_GRID_INTERNAL`.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#operation-logs
 */
export function createOperationLog(resolver: GridResolver): (request: EndpointRequest) => Promise<Answer> {
  // Batch roots by network and height, kept only for finalized heights (they never change there), so a
  // page costs one batch read per new height, not one per operation per request.
  const roots = new Lru<string, string>({ maxEntries: ROOTS_KEPT })
  return (request) => operationLog(request, resolver, roots)
}

async function operationLog(request: EndpointRequest, resolver: GridResolver, roots: Lru<string, string>): Promise<Answer> {
  const path = request.url.pathname
  let target: { network: string; key: string; name?: Record<string, string> } | Answer
  if (path.startsWith(LOGS)) {
    target = byName(path.slice(LOGS.length))
  } else {
    const [network = '', kind, arg, ...rest] = path.slice(LEDGERS.length).split('/')
    if (kind === undefined) return head(resolver, network)
    if (kind === 'batches' && arg !== undefined && rest.length === 0) return batch(resolver, network, arg)
    if (kind !== 'log' || arg === undefined || rest.length > 0) return fail(404, 'ERR_GRID_NOT_FOUND', `no route ${path.slice(0, 100)}`)
    if (!KEY.test(arg)) return fail(400, 'ERR_GRID_BAD_REQUEST', 'the key must be a 52-character base32 index key')
    target = { network, key: arg }
  }
  if ('status' in target) return target
  const query = readQuery(request.url.search)
  if (typeof query === 'string') return fail(400, 'ERR_GRID_BAD_REQUEST', query)
  return attempt(async () => {
    const ledger = resolver.ledger(target.network)
    const ops = await ledger.read(target.key, query)
    const finalized = ops.length > 0 ? (await ledger.head()).finalizedHeight : 0
    const operations: LoggedOperation[] = []
    for (const op of ops) {
      const at = `${target.network}\n${op.height}`
      let root = roots.get(at)
      if (root === undefined) {
        const info = await ledger.batch(op.height)
        if (!info) throw new LedgerCorruptError(`no batch at height ${op.height} holds an operation read from it`)
        root = info.root
        if (op.height <= finalized) roots.set(at, root)
      }
      const place = { height: op.height, position: op.position, time: op.time }
      operations.push({ cid: operationCid(op.bytes), ...place, batchRoot: root, bytes: toBase64url(op.bytes) })
    }
    const page: OperationLogPage & Record<string, unknown> = { network: target.network, key: target.key, ...target.name, operations }
    const last = operations.at(-1)
    if (last && operations.length === query.limit) page.next = `${last.height}.${last.position}`
    return json(page)
  })
}

/** `did` or `did/resources/id` (percent-decoded) → the network and index key. */
function byName(encoded: string): { network: string; key: string; name: Record<string, string> } | Answer {
  let text: string
  try {
    text = decodeURIComponent(encoded)
  } catch {
    return fail(400, 'ERR_GRID_INVALID_DID', 'the DID is not valid percent-encoding')
  }
  const resource = RESOURCE.exec(text)
  const did = resource ? resource[1]! : text
  try {
    const parsed = parseDid(did)
    if (!resource) return { network: parsed.network, key: parsed.suffix, name: { did } }
    return { network: parsed.network, key: resourceSuffix(did, resource[2]!), name: { did, resource: text } }
  } catch (err) {
    const hint = did.includes('/') ? ' (a resource is named <did>/resources/<id>)' : ''
    return fail(400, 'ERR_GRID_INVALID_DID', `${messageOf(err)}${hint}`)
  }
}

/** The read options of a query, or what is wrong with it. */
function readQuery(search: string): (ReadOptions & { limit: number }) | string {
  const params = new URLSearchParams(search)
  const options: ReadOptions & { limit: number } = { limit: DEFAULT_PAGE }
  for (const [name, value] of params) {
    if (!PARAMS.has(name)) return `unknown parameter ${name.slice(0, 40)} (${[...PARAMS].join(', ')})`
    if (params.getAll(name).length > 1) return `${name} is given more than once`
    if (name === 'after') {
      const m = CURSOR.exec(value)
      if (!m) return 'after must be a cursor height.position (two non-negative integers)'
      options.after = { height: Number(m[1]), position: Number(m[2]) }
      continue
    }
    if (!COUNT.test(value)) return `${name} must be a non-negative integer`
    const n = Number(value)
    if (name === 'limit') {
      if (n < 1) return 'limit must be a positive integer'
      options.limit = Math.min(n, MAX_LOG_PAGE)
    } else options[name as 'afterHeight' | 'untilHeight' | 'untilTime'] = n
  }
  return options
}

async function head(resolver: GridResolver, network: string): Promise<Answer> {
  return attempt(async () => {
    const { height, time, finalizedHeight } = await resolver.ledger(network).head()
    return json({ network, height, time, finalizedHeight })
  })
}

async function batch(resolver: GridResolver, network: string, text: string): Promise<Answer> {
  if (!COUNT.test(text)) return fail(400, 'ERR_GRID_BAD_REQUEST', 'the batch height must be a non-negative integer')
  return attempt(async () => {
    const info = await resolver.ledger(network).batch(Number(text))
    if (!info) return fail(404, 'ERR_GRID_NOT_FOUND', `no batch at height ${text} of ${network}`)
    return json({ network, height: info.height, time: info.time, root: info.root, operations: info.operations })
  })
}

/** Runs a ledger read: an unknown network is 404, an outage 503 (never an empty log), anything else 500. */
async function attempt(run: () => Promise<Answer>): Promise<Answer> {
  try {
    return await run()
  } catch (err) {
    if (err instanceof UnknownNetworkError) return fail(404, 'ERR_GRID_UNKNOWN_NETWORK', err.message)
    const code = err instanceof GridError ? err.code : undefined
    if (code === 'ERR_GRID_LEDGER_UNAVAILABLE' || code === 'ERR_GRID_LEDGER_CLOSED') {
      return fail(503, 'ERR_GRID_LEDGER_UNAVAILABLE', messageOf(err), { 'retry-after': '1' })
    }
    return fail(500, 'ERR_GRID_INTERNAL', `the ledger read failed: ${messageOf(err)}`)
  }
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' }

function fail(status: number, code: string, detail: string, headers: Record<string, string> = {}): Answer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: problemJson(status, TITLES[status] ?? 'Error', detail, { error: code }),
  }
}
