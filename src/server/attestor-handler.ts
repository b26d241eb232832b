import { AttestationRefusedError, GridError, type GridErrorCode, HeightNotReachedError } from '../errors.js'
import { messageOf } from '../lib/message.js'
import { readRequestBody } from './body.js'
import type { Handler } from './endpoint.js'
import { problemJson } from './problem.js'
import { roleAttestationTypedData } from '../gate/role-attestation.js'
import type { AttestationRequest, Attestor } from '../gate/attestor.js'

/** Options of {@link createAttestorHandler}. */
export interface AttestorHandlerOptions {
  attestor: Attestor
  /** Largest accepted request body, bytes. Default 64 KiB (a presentation carries its credentials). */
  maxBodyBytes?: number
  /** Time a request may take before it is answered 503, milliseconds. Default 10,000. */
  timeoutMs?: number
}

/**
 * The `error` member of an attestor's problem details: what a client switches on. A refusal is a
 * decision (403); every other code says the answer is not known or the request is wrong.
 */
/** Only codes of the catalogue: a typo does not compile. */
type Catalogued<T extends GridErrorCode> = T

export type AttestorErrorCode = Catalogued<
  | 'ERR_GRID_ATTESTATION_REFUSED'
  | 'ERR_GRID_HEIGHT_NOT_REACHED'
  | 'ERR_GRID_LEDGER_UNAVAILABLE'
  | 'ERR_GRID_BAD_REQUEST'
  | 'ERR_GRID_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_GRID_BODY_TOO_LARGE'
  | 'ERR_GRID_NOT_FOUND'
  | 'ERR_GRID_METHOD_NOT_ALLOWED'
  | 'ERR_GRID_INTERNAL'
>

const FIELDS = ['presentation', 'requirement', 'consumer', 'challenge', 'terms', 'binding', 'height', 'expiry'] as const
const ROUTES: Record<string, string[]> = { '/1.0/attestations': ['POST'], '/1.0/attestor': ['GET', 'HEAD'], '/health': ['GET', 'HEAD'] }

/**
 * The attestor service as a plain `Request → Response` function, on the resolver endpoint's HTTP
 * conventions (RFC 9457 problem details with a stable `error` code, a body limit, JSON only):
 *
 * - `POST /1.0/attestations` (`application/json`: presentation, requirement, consumer, challenge,
 *   terms or binding, optional height and expiry) → 200 `{ attestation, signature, attestor,
 *   typedData, height, time }` (integers of the attestation as decimal strings); a denial → 403
 *   `ERR_GRID_ATTESTATION_REFUSED` with `reasons` and `height`; a height the index has not reached →
 *   409 `ERR_GRID_HEIGHT_NOT_REACHED` (retry); the chain unreachable → 503
 *   `ERR_GRID_LEDGER_UNAVAILABLE` (never a denial); malformed → 400, wrong type → 415, too large → 413.
 * - `GET /1.0/attestor` → `{ address, chainId, gate, height }`; `GET /health` → 200 `{ status: 'ok', height }`,
 *   or 503 `{ status: 'degraded', height, error }` while the index's background sync fails.
 *
 * Run it with `serve()` from `grid-did/server`.
 * @example
 * ```ts
 * const { url } = await serve(createAttestorHandler({ attestor }), { port: 8090 })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export function createAttestorHandler(options: AttestorHandlerOptions): Handler {
  if (typeof options?.attestor?.attest !== 'function') throw new TypeError('options.attestor must be an Attestor (createAttestor)')
  const { attestor } = options
  const maxBody = options.maxBodyBytes ?? 65_536
  const timeoutMs = options.timeoutMs ?? 10_000
  if (!Number.isSafeInteger(maxBody) || maxBody < 1) throw new RangeError('options.maxBodyBytes must be a positive integer')
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError('options.timeoutMs must be a positive integer')

  const route = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname
    const allowed = ROUTES[path]
    if (!allowed) return problem(404, 'Not Found', 'ERR_GRID_NOT_FOUND', `no route ${path.slice(0, 100)}`)
    if (!allowed.includes(request.method)) {
      return problem(
        405,
        'Method Not Allowed',
        'ERR_GRID_METHOD_NOT_ALLOWED',
        `${request.method} is not allowed on ${path}`,
        {},
        { allow: allowed.join(', ') },
      )
    }
    if (path === '/health') {
      // Degraded while the index cannot follow the chain: its decisions would lag behind revocations.
      const height = await attestor.height()
      const error = attestor.syncError()
      return error === undefined ? json(200, { status: 'ok', height }) : json(503, { status: 'degraded', height, error: messageOf(error) })
    }
    if (path === '/1.0/attestor') {
      return json(200, { address: attestor.address, chainId: attestor.chainId, gate: attestor.gate, height: await attestor.height() })
    }
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json')
      return problem(415, 'Unsupported Media Type', 'ERR_GRID_UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json')
    const text = await readRequestBody(request, maxBody)
    if (typeof text === 'number')
      return problem(413, 'Content Too Large', 'ERR_GRID_BODY_TOO_LARGE', `the request body is larger than ${maxBody} bytes`)
    const parsed = parseRequest(text)
    if (typeof parsed === 'string') return problem(400, 'Bad Request', 'ERR_GRID_BAD_REQUEST', parsed)
    const signed = await attestor.attest(parsed)
    const typedData = roleAttestationTypedData({ chainId: attestor.chainId, gate: attestor.gate }, signed.attestation)
    return json(200, {
      attestation: signed.attestation,
      signature: signed.signature,
      attestor: signed.attestor,
      typedData,
      height: signed.height,
      time: signed.time,
    })
  }

  return async (request) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<Response>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            problem(
              503,
              'Service Unavailable',
              'ERR_GRID_LEDGER_UNAVAILABLE',
              `the request took longer than ${timeoutMs} ms`,
              {},
              { 'retry-after': '1' },
            ),
          ),
        timeoutMs,
      )
    })
    try {
      return await Promise.race([route(request).catch(failure), late])
    } finally {
      clearTimeout(timer)
    }
  }
}

/** What an error thrown while answering means to the client: never a denial unless it is one. */
function failure(err: unknown): Response {
  if (err instanceof AttestationRefusedError) {
    return problem(403, 'Forbidden', 'ERR_GRID_ATTESTATION_REFUSED', err.message, {
      reasons: err.reasons.map((r) => ({ code: r.code, message: r.message })),
      height: err.height,
    })
  }
  if (err instanceof HeightNotReachedError) {
    return problem(
      409,
      'Conflict',
      'ERR_GRID_HEIGHT_NOT_REACHED',
      err.message,
      { height: err.height, syncedHeight: err.finalizedHeight },
      { 'retry-after': '1' },
    )
  }
  if (err instanceof GridError && (err.code === 'ERR_GRID_LEDGER_UNAVAILABLE' || err.code === 'ERR_GRID_LEDGER_CLOSED')) {
    return problem(
      503,
      'Service Unavailable',
      'ERR_GRID_LEDGER_UNAVAILABLE',
      `the chain cannot be read: ${err.message}`,
      {},
      { 'retry-after': '1' },
    )
  }
  if (err instanceof TypeError || err instanceof RangeError) return problem(400, 'Bad Request', 'ERR_GRID_BAD_REQUEST', err.message)
  return problem(
    500,
    'Internal Server Error',
    'ERR_GRID_INTERNAL',
    `the request failed: ${messageOf(err)}`,
    err instanceof GridError ? { cause: err.code } : {},
  )
}

/** The request body as an {@link AttestationRequest}, or what is wrong with it. */
function parseRequest(text: string): AttestationRequest | string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'the request body is not valid JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the request body must be a JSON object'
  const body = value as Record<string, unknown>
  for (const k of Object.keys(body))
    if (!(FIELDS as readonly string[]).includes(k)) return `unknown field "${k.slice(0, 40)}"; known: ${FIELDS.join(', ')}`
  for (const k of ['presentation', 'consumer', 'challenge'] as const)
    if (typeof body[k] !== 'string') return `${k} is required and must be a string`
  if (typeof body.requirement !== 'object' || body.requirement === null || Array.isArray(body.requirement))
    return 'requirement is required and must be an object'
  if (body.terms === undefined && body.binding === undefined)
    return 'terms (an object) or binding (their digest) is required: an attestation names the terms it authorises'
  for (const k of ['height', 'expiry'] as const)
    if (body[k] !== undefined && !Number.isSafeInteger(body[k])) return `${k} must be an integer`
  return body as unknown as AttestationRequest
}

function json(status: number, value: unknown): Response {
  return new Response(
    JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    { status, headers: { 'content-type': 'application/json' } },
  )
}

function problem(
  status: number,
  title: string,
  error: AttestorErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(problemJson(status, title, detail, { error, ...extra }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  })
}
