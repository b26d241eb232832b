import { VERSION } from '../lib/version.js'
import type { GridResolver } from '../resolver/resolver.js'
import { json, type Answer } from './answer.js'
import type { EndpointRequest } from './endpoint.js'
import { health, liveness, type SyncStatusOf } from './health.js'
import { identifiers, type IdentifiersContext } from './identifiers.js'
import { createOperationLog, isOperationLogPath } from './operation-log.js'
import { DOCUMENT_TYPES, RESULT_TYPES, URI_LIST } from './negotiate.js'
import { OPENAPI_JSON, OPENAPI_PATH } from './openapi.js'
import { problem } from './problem.js'
import { PREFIX } from './target.js'

/** What the routes work with, made once per handler. */
export interface RouterOptions {
  resolver: GridResolver
  /** Longest accepted request URL, characters. */
  maxUrl: number
  /** DIDs listed by `GET /1.0/testIdentifiers`. */
  testIdentifiers: readonly string[]
  identifiers: IdentifiersContext
  /** Each network's chain index status, for `/health`. */
  syncStatus?: SyncStatusOf | undefined
}

/**
 * The endpoint's routes: `OPTIONS` anywhere, `GET`/`HEAD` on `/health`, `/livez` and the `/1.0/…` metadata
 * routes, and `GET`/`HEAD`/`POST` on `/1.0/identifiers/…`; 405, 404 and 414 otherwise. The answers
 * that need no I/O come back without a promise.
 */
export function createRouter(options: RouterOptions): (request: EndpointRequest) => Answer | Promise<Answer> {
  const { resolver, maxUrl, identifiers: context } = options
  const tests = { grid: [...options.testIdentifiers] }
  const operationLog = createOperationLog(resolver)
  return (request) => {
    const url = request.url
    if (url.href.length > maxUrl) return problem(414, 'URI Too Long', `the request URL is longer than ${maxUrl} characters`)
    const path = url.pathname
    if (request.method === 'OPTIONS') return { status: 204, headers: {}, body: null }
    const isIdentifiers = path.startsWith(PREFIX)
    const allowed = isIdentifiers ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD']
    if (!allowed.includes(request.method)) {
      return problem(405, 'Method Not Allowed', `${request.method} is not allowed on ${path.slice(0, 100)}`, { allow: allowed.join(', ') })
    }
    switch (path) {
      case '/health':
        return health(resolver, options.syncStatus)
      case '/livez':
        return liveness()
      case '/1.0/methods':
        return json(['grid'])
      case '/1.0/testIdentifiers':
        return json(tests)
      case '/1.0/properties':
        return json({
          grid: {
            version: VERSION,
            networks: resolver.networks,
            contentTypes: [...RESULT_TYPES, ...Object.keys(DOCUMENT_TYPES), URI_LIST],
          },
        })
      case '/1.0/traits':
        return json({ grid: TRAITS })
      case OPENAPI_PATH:
        return { status: 200, headers: { 'content-type': 'application/json' }, body: OPENAPI_JSON }
    }
    if (isOperationLogPath(path)) return operationLog(request)
    if (!isIdentifiers) return problem(404, 'Not Found', `no route ${path.slice(0, 100)}`)
    return identifiers(request, context)
  }
}

/** DIF DID traits of did:grid. */
const TRAITS = {
  updatable: true,
  deactivatable: true,
  deletable: false,
  rotatable: true,
  enumerable: false,
  historyAvailable: true,
  humanReadable: false,
  locationIndependent: true,
  selfCertifying: true,
}

/** The paths of the fixed routes, counted and logged as they are. */
const ROUTES = new Set([
  '/health',
  '/livez',
  '/metrics',
  '/1.0/methods',
  '/1.0/testIdentifiers',
  '/1.0/properties',
  '/1.0/traits',
  '/1.0/openapi.json',
])

/**
 * The route template a request target (origin or absolute form) is counted and logged under: the
 * path of a fixed route, `/1.0/identifiers/{did}` for any DID or DID URL, `other` for anything else,
 * so that a scan of random paths adds no metric series.
 */
export function routeOf(target: string): string {
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target)
  const rest = absolute ? target.slice(absolute[0].length) || '/' : target
  const end = rest.search(/[?#]/)
  const path = end === -1 ? rest : rest.slice(0, end)
  if (ROUTES.has(path)) return path
  if (path.startsWith(PREFIX)) return `${PREFIX}{did}`
  if (path.startsWith('/1.0/log/')) return path.includes('/resources/') ? '/1.0/log/{did}/resources/{id}' : '/1.0/log/{did}'
  const ledgers = /^\/1\.0\/ledgers\/[^/]+(\/batches\/[^/]+|\/log\/[^/]+)?$/.exec(path)
  if (ledgers)
    return ledgers[1] === undefined
      ? '/1.0/ledgers/{network}'
      : ledgers[1].startsWith('/batches/')
        ? '/1.0/ledgers/{network}/batches/{height}'
        : '/1.0/ledgers/{network}/log/{key}'
  return 'other'
}
