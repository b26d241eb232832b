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
