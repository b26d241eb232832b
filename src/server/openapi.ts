import { DOCUMENT_TYPES, RESULT_TYPES, URI_LIST } from './negotiate.js'
import { COMMON, OTHER_METHODS, PREFLIGHT, jsonContent, problemContent, ref, response } from './openapi-common.js'
import { LOG_PATHS, LOG_SCHEMAS } from './openapi-log.js'

/**
 * The OpenAPI 3.1 description of the resolver endpoint, served at `GET /1.0/openapi.json`. Schemas
 * are JSON Schema 2020-12; every status a route answers is listed (no `default`), so a client (and
 * test/server/openapi.test.ts, which checks real answers against it) knows each body's shape.
 * A route added to the router gets its path item here.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export const OPENAPI_PATH = '/1.0/openapi.json'

/** A metadata route: `GET`, `HEAD` and the CORS preflight; 200 with `schema`. */
function metadataRoute(summary: string, schema: object, extra: Record<string, unknown> = {}) {
  const get = { summary, responses: { '200': { description: summary, content: jsonContent(schema) }, ...COMMON, ...extra } }
  return {
    description: OTHER_METHODS,
    get,
    head: { ...get, summary: `${summary} (headers only)` },
    options: { summary: 'CORS preflight', responses: PREFLIGHT },
  }
}

const ETAG_HEADERS = {
  ETag: { description: 'Derived from the ledger head: unchanged until the finalized height moves', schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string', const: 'public, max-age=0, must-revalidate' } },
  Vary: { schema: { type: 'string', const: 'Accept' } },
}

/** What `/1.0/identifiers/{did}` answers with a body: the full result, the document (or dereferenced content) alone, a service's URIs. */
const answerContent = (withUriList: boolean) => ({
  ...Object.fromEntries(RESULT_TYPES.map((type) => [type, { schema: ref('Result') }])),
  ...Object.fromEntries(Object.keys(DOCUMENT_TYPES).map((type) => [type, { schema: ref('Content') }])),
  ...(withUriList ? { [URI_LIST]: { schema: { type: 'string', pattern: '^(\\S+\\r\\n)+$' } } } : {}),
})
const errorContent = { [RESULT_TYPES[0]]: { schema: ref('ResolutionError') } }
const resolutionError = (description: string) => ({ description, content: errorContent })

const IDENTIFIER_RESPONSES = {
  '200': { description: 'Resolved or dereferenced, as negotiated by Accept', headers: ETAG_HEADERS, content: answerContent(true) },
  '304': { description: 'If-None-Match names the current ETag', headers: ETAG_HEADERS },
  '400': resolutionError('invalidDid, invalidDidUrl or invalidOptions'),
  '403': resolutionError('notAllowedServiceEndpoint: a service endpoint that is never handed out'),
  '404': resolutionError('notFound: the DID (or what the DID URL names) is not on the ledger'),
  '406': resolutionError('representationNotSupported: no acceptable media type'),
  '410': { description: 'Deactivated: the answer, with deactivated: true', headers: ETAG_HEADERS, content: answerContent(false) },
  '413': { description: 'The request body is too large', content: problemContent },
  '414': response('UriTooLong'),
  '500': {
    description: 'internalError (the ledger failed: an outage, never a "not found"), or an unexpected failure as problem details',
    content: { ...errorContent, ...problemContent },
  },
  '501': resolutionError('methodNotSupported: another method, or a network this endpoint does not serve'),
  '503': response('Timeout'),
}

const identifierParameter = {
  name: 'did',
  in: 'path',
  required: true,
  description:
    'A did:grid DID or DID URL, percent-encoded (a path such as /resources/<id> may also be sent unencoded); ' +
    'query parameters versionId, versionTime, service and relativeRef apply to the DID URL',
  schema: { type: 'string' },
}

const getIdentifier = {
  summary: 'Resolve a DID or dereference a DID URL',
  parameters: [identifierParameter],
  responses: IDENTIFIER_RESPONSES,
}

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'did:grid universal resolver endpoint',
    version: '1.0',
    description:
      'The DIF Universal Resolver driver API for did:grid. Every answer carries CORS headers. ' +
      'Resolution errors keep the DID Core code in didResolutionMetadata.error (dereferencingMetadata.error for a DID URL), ' +
      'with RFC 9457 problem details alongside; HTTP-level failures are application/problem+json.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  paths: {
    '/health': metadataRoute('Each network served and its ledger head', ref('Health'), {
      '503': {
        description: 'A ledger could not be read (status degraded), or the time limit passed',
        content: { ...jsonContent(ref('Health')), ...problemContent },
      },
    }),
    '/livez': metadataRoute('Liveness: 200 while the process answers, whatever its ledgers do', {
      type: 'object',
      required: ['status'],
      properties: { status: { const: 'ok' } },
    }),
    '/metrics': {
      description: `${OTHER_METHODS}. Served by the Node adapter when metrics are on (grid-did serve: unless --no-metrics).`,
      get: {
        summary: 'Prometheus metrics of this server: requests, latency, answer cache, index lag and sync errors, process',
        responses: {
          '200': {
            description: 'The Prometheus text exposition format',
            headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } },
            content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
          },
          '500': response('InternalError'),
        },
      },
      head: { summary: 'GET without the body', responses: { '200': { description: 'Headers only' }, '500': response('InternalError') } },
    },
    '/1.0/methods': metadataRoute('The DID methods served', { type: 'array', items: { type: 'string' }, const: ['grid'] }),
    '/1.0/testIdentifiers': metadataRoute('DIDs to test the endpoint with', {
      type: 'object',
      required: ['grid'],
      properties: { grid: { type: 'array', items: ref('Did') } },
    }),
    '/1.0/properties': metadataRoute('The networks served and the media types offered', {
      type: 'object',
      required: ['grid'],
      properties: {
        grid: {
          type: 'object',
          required: ['networks', 'contentTypes'],
          properties: {
            networks: { type: 'array', items: { type: 'string' } },
            contentTypes: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    }),
    '/1.0/traits': metadataRoute('The DIF DID traits of did:grid', {
      type: 'object',
      required: ['grid'],
      properties: { grid: { type: 'object', additionalProperties: { type: 'boolean' } } },
    }),
    [OPENAPI_PATH]: metadataRoute('This document', { type: 'object', required: ['openapi', 'info', 'paths'] }),
    '/1.0/identifiers/{did}': {
      description: OTHER_METHODS,
      get: getIdentifier,
      head: { ...getIdentifier, summary: 'GET without the body' },
      post: {
        ...getIdentifier,
        summary: 'Resolve or dereference with resolution options',
        requestBody: { required: true, content: jsonContent(ref('ResolutionOptions')) },
      },
      options: { summary: 'CORS preflight', parameters: [identifierParameter], responses: PREFLIGHT },
    },
    ...LOG_PATHS,
  },
  components: {
    schemas: {
      Did: { type: 'string', pattern: '^did:grid:[a-z0-9-]+:[a-z2-7]+$' },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
      },
      ...LOG_SCHEMAS,
      Health: {
        type: 'object',
        required: ['status', 'networks'],
        properties: {
          status: { enum: ['ok', 'degraded'] },
          networks: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              required: ['status'],
              properties: {
                status: { enum: ['ok', 'degraded'] },
                finalizedHeight: { type: 'integer' },
                indexedHeight: { type: 'integer' },
                lag: { type: 'integer' },
                lastSync: { type: ['string', 'null'] },
                height: { type: 'integer' },
                time: { type: 'integer' },
                error: { type: 'string' },
                code: { type: 'string' },
              },
              additionalProperties: false,
            },
          },
        },
      },
      ResolutionOptions: {
        type: 'object',
        properties: {
          accept: { type: 'string' },
          versionId: { type: 'string' },
          versionTime: { type: 'string' },
          ledgerHeight: { type: 'integer' },
        },
      },
      DidDocument: { type: 'object', required: ['id'], properties: { id: ref('Did') } },
      Content: {
        description: 'The DID document, or the dereferenced content (a verification method, a service, a resource)',
        type: ['object', 'array'],
      },
      Result: {
        oneOf: [
          {
            type: 'object',
            required: ['didResolutionMetadata', 'didDocument', 'didDocumentMetadata'],
            properties: {
              '@context': { const: 'https://w3id.org/did-resolution/v1' },
              didResolutionMetadata: { type: 'object', not: { required: ['error'] } },
              didDocument: ref('DidDocument'),
              didDocumentMetadata: { type: 'object' },
            },
          },
          {
            type: 'object',
            required: ['dereferencingMetadata', 'contentStream', 'contentMetadata'],
            properties: {
              '@context': { const: 'https://w3id.org/did-resolution/v1' },
              dereferencingMetadata: { type: 'object', not: { required: ['error'] } },
              contentMetadata: { type: 'object' },
            },
          },
        ],
      },
      ErrorMetadata: {
        type: 'object',
        required: ['error', 'message', 'problemDetails'],
        properties: { error: { type: 'string' }, message: { type: 'string' }, problemDetails: ref('Problem') },
      },
      ResolutionError: {
        oneOf: [
          {
            type: 'object',
            required: ['@context', 'didResolutionMetadata', 'didDocument', 'didDocumentMetadata'],
            properties: {
              didResolutionMetadata: ref('ErrorMetadata'),
              didDocument: { type: 'null' },
              didDocumentMetadata: { type: 'object' },
            },
          },
          {
            type: 'object',
            required: ['@context', 'dereferencingMetadata', 'contentStream', 'contentMetadata'],
            properties: {
              dereferencingMetadata: ref('ErrorMetadata'),
              contentStream: { type: 'null' },
              contentMetadata: { type: 'object' },
            },
          },
        ],
      },
    },
    responses: {
      MethodNotAllowed: {
        description: 'The method is not allowed on this path',
        headers: { Allow: { required: true, schema: { type: 'string' } } },
        content: problemContent,
      },
      NotFound: { description: 'No such route', content: problemContent },
      UriTooLong: { description: 'The request URL is too long', content: problemContent },
      InternalError: { description: 'An unexpected failure', content: problemContent },
      Timeout: {
        description: 'The request took longer than the time limit',
        headers: { 'Retry-After': { required: true, schema: { type: 'string' } } },
        content: problemContent,
      },
    },
  },
} as const

/** {@link OPENAPI} as served, serialised once. */
export const OPENAPI_JSON = JSON.stringify(OPENAPI)
