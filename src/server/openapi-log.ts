/** The operation-log routes of the OpenAPI document (src/server/openapi.ts): their paths and schemas. */
import { OTHER_METHODS, PREFLIGHT, jsonContent, ref, response } from './openapi-common.js'

/** A problem with the operation log's `error` code, one of `codes`. */
const logProblem = (description: string, codes: string[], headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: {
    'application/problem+json': {
      schema: { allOf: [ref('LogProblem'), { type: 'object', properties: { error: { enum: codes } } }] },
    },
  },
})

/** The answers every operation-log route may give besides its 200 and its own 400/404. */
const LOG_FAILURES = {
  '404': logProblem('ERR_GRID_UNKNOWN_NETWORK: a network this endpoint does not serve', ['ERR_GRID_UNKNOWN_NETWORK']),
  '414': response('UriTooLong'),
  '500': logProblem('ERR_GRID_INTERNAL: the ledger read failed otherwise', ['ERR_GRID_INTERNAL']),
  '503': logProblem(
    'ERR_GRID_LEDGER_UNAVAILABLE: the ledger could not be read (never answered as an empty log)',
    ['ERR_GRID_LEDGER_UNAVAILABLE'],
    {
      'Retry-After': { required: true, schema: { type: 'string' } },
    },
  ),
}

const networkParameter = {
  name: 'network',
  in: 'path',
  required: true,
  description: 'A network this endpoint serves',
  schema: { type: 'string' },
}

/** The page parameters of the log routes. */
const PAGE_PARAMETERS = [
  {
    name: 'afterHeight',
    in: 'query',
    description: 'Only operations above this height',
    schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
  },
  {
    name: 'untilHeight',
    in: 'query',
    description: 'Only operations at or below this height',
    schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
  },
  {
    name: 'untilTime',
    in: 'query',
    description: 'Only operations anchored at or before this Unix time',
    schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
  },
  {
    name: 'after',
    in: 'query',
    description: 'The cursor height.position of the previous page (its `next`)',
    schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})\\.(0|[1-9][0-9]{0,14})$' },
  },
  {
    name: 'limit',
    in: 'query',
    description: 'Operations a page, default 100; above 1,000 cut to 1,000',
    schema: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' },
  },
]

const BAD_QUERY = 'ERR_GRID_BAD_REQUEST: an unknown, repeated or malformed query parameter'

/** A `GET`/`HEAD` operation-log route (and its CORS preflight). */
function logRoute(summary: string, parameters: object[], schema: object, own: Record<string, unknown>) {
  const get = {
    summary,
    parameters,
    responses: { '200': { description: summary, content: jsonContent(schema) }, ...LOG_FAILURES, ...own },
  }
  return {
    description: OTHER_METHODS,
    get,
    head: { ...get, summary: `${summary} (headers only)` },
    options: { summary: 'CORS preflight', parameters, responses: PREFLIGHT },
  }
}

const logDidParameter = {
  name: 'did',
  in: 'path',
  required: true,
  description: 'A did:grid DID (its colons may be percent-encoded)',
  schema: { type: 'string' },
}

/** The operation-log routes (src/server/operation-log.ts): what an untrusting reader re-verifies. */
export const LOG_PATHS = {
  '/1.0/log/{did}': logRoute(
    'A DID’s operation log: one page, each operation with its bytes and receipt',
    [logDidParameter, ...PAGE_PARAMETERS],
    ref('DidLogPage'),
    {
      '400': logProblem(`ERR_GRID_INVALID_DID: not a did:grid DID; or ${BAD_QUERY}`, ['ERR_GRID_INVALID_DID', 'ERR_GRID_BAD_REQUEST']),
    },
  ),
  '/1.0/log/{did}/resources/{id}': logRoute(
    'A resource’s operation log by name: one page',
    [
      logDidParameter,
      { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
      ...PAGE_PARAMETERS,
    ],
    ref('ResourceLogPage'),
    { '400': logProblem(`ERR_GRID_INVALID_DID: not a did:grid DID; or ${BAD_QUERY}`, ['ERR_GRID_INVALID_DID', 'ERR_GRID_BAD_REQUEST']) },
  ),
  '/1.0/ledgers/{network}': logRoute('A ledger’s head', [networkParameter], ref('LedgerHead'), {}),
  '/1.0/ledgers/{network}/batches/{height}': logRoute(
    'One batch: its time, Merkle root and operation CIDs',
    [networkParameter, { name: 'height', in: 'path', required: true, schema: { type: 'string' } }],
    ref('Batch'),
    {
      '400': logProblem('ERR_GRID_BAD_REQUEST: the height is not a non-negative integer', ['ERR_GRID_BAD_REQUEST']),
      '404': logProblem('ERR_GRID_UNKNOWN_NETWORK, or ERR_GRID_NOT_FOUND: no batch at that height', [
        'ERR_GRID_UNKNOWN_NETWORK',
        'ERR_GRID_NOT_FOUND',
      ]),
    },
  ),
  '/1.0/ledgers/{network}/log/{key}': logRoute(
    'An index key’s operation log: one page',
    [
      networkParameter,
      { name: 'key', in: 'path', required: true, description: 'A 52-character base32 index key', schema: { type: 'string' } },
      ...PAGE_PARAMETERS,
    ],
    ref('LogPage'),
    {
      '400': logProblem(`ERR_GRID_BAD_REQUEST: the key is not a 52-character base32 index key; or ${BAD_QUERY}`, ['ERR_GRID_BAD_REQUEST']),
    },
  ),
}

/** The schemas of the operation-log routes, under components.schemas. */
export const LOG_SCHEMAS = {
  LogProblem: {
    description: 'Problem details of the operation-log routes, with their error code',
    allOf: [
      ref('Problem'),
      { type: 'object', required: ['error'], properties: { error: { type: 'string', pattern: '^ERR_GRID_[A-Z_]+$' } } },
    ],
  },
  LoggedOperation: {
    type: 'object',
    required: ['cid', 'height', 'position', 'time', 'batchRoot', 'bytes'],
    additionalProperties: false,
    properties: {
      cid: { type: 'string' },
      height: { type: 'integer', minimum: 0 },
      position: { type: 'integer', minimum: 0 },
      time: { type: 'integer' },
      batchRoot: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      bytes: { description: 'The canonical operation bytes, base64url without padding', type: 'string', pattern: '^[A-Za-z0-9_-]*$' },
    },
  },
  LogPage: {
    description: 'One page of an index key’s operations in ledger order; next (the cursor height.position) when the page is full',
    type: 'object',
    required: ['network', 'key', 'operations'],
    properties: {
      network: { type: 'string' },
      key: { type: 'string', pattern: '^[a-z2-7]{52}$' },
      operations: { type: 'array', items: ref('LoggedOperation') },
      next: { type: 'string', pattern: '^[0-9]+\\.[0-9]+$' },
    },
  },
  DidLogPage: { allOf: [ref('LogPage'), { type: 'object', required: ['did'], properties: { did: ref('Did') } }] },
  ResourceLogPage: {
    allOf: [
      ref('LogPage'),
      { type: 'object', required: ['did', 'resource'], properties: { did: ref('Did'), resource: { type: 'string' } } },
    ],
  },
  LedgerHead: {
    type: 'object',
    required: ['network', 'height', 'time', 'finalizedHeight'],
    additionalProperties: false,
    properties: {
      network: { type: 'string' },
      height: { type: 'integer', minimum: 0 },
      time: { type: 'integer' },
      finalizedHeight: { type: 'integer', minimum: 0 },
    },
  },
  Batch: {
    type: 'object',
    required: ['network', 'height', 'time', 'root', 'operations'],
    additionalProperties: false,
    properties: {
      network: { type: 'string' },
      height: { type: 'integer', minimum: 0 },
      time: { type: 'integer' },
      root: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      operations: { description: 'The CIDs of its operations, in position order', type: 'array', items: { type: 'string' } },
    },
  },
}
