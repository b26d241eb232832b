import { parseDidUrl, type GridDidUrl } from '../method/did.js'
import type { GridResolutionOptions, GridResolver } from '../resolver/resolver.js'
import type { Answer } from './answer.js'
import type { AnswerCache, CachedReply } from './answer-cache.js'
import type { EndpointRequest } from './endpoint.js'
import { CACHE, etagOf, isSuccess, matches, notModified } from './etag.js'
import type { HeadWatch } from './head-watch.js'
import { DOCUMENT_TYPES, RESULT_TYPES, URI_LIST, type Negotiator } from './negotiate.js'
import { problem, resolutionError } from './problem.js'
import { dereferenceAnswer, resolveAnswer } from './resolve-answer.js'
import { parseOptions } from './resolution-options.js'
import type { Targets } from './target.js'

/** What {@link identifiers} works with, made once per handler. */
export interface IdentifiersContext {
  resolver: GridResolver
  maxBody: number
  cache: AnswerCache | undefined
  targets: Targets
  negotiator: Negotiator
  heads: HeadWatch
}

/**
 * `GET`/`HEAD`/`POST /1.0/identifiers/{did-or-did-url}`: resolves or dereferences, with content
 * negotiation, an `ETag` from the ledger head (`If-None-Match` → 304) and the answer cache.
 */
export async function identifiers(
  request: EndpointRequest,
  { resolver, maxBody, cache, targets, negotiator, heads }: IdentifiersContext,
): Promise<Answer> {
  const target = targets.of(request.url)
  if (!target) return resolutionError('invalidDidUrl', 'the identifier is not valid percent-encoding')
  const didUrl = target.didUrl
  const shape = target.dereference ? 'dereferencingMetadata' : 'didResolutionMetadata'
  let options: GridResolutionOptions = {}
  if (request.method === 'POST') {
    const body = await request.text(maxBody)
    if (typeof body === 'number') return problem(413, 'Content Too Large', `the request body is larger than ${maxBody} bytes`)
    const parsed = parseOptions(body)
    if (typeof parsed === 'string') return resolutionError('invalidOptions', parsed, shape)
    options = parsed
  }
  const negotiated = negotiator.negotiate(options.accept ?? request.header('accept'), target.service)
  if (!negotiated) {
    const types = [...RESULT_TYPES, ...Object.keys(DOCUMENT_TYPES), ...(target.service ? [URI_LIST] : [])]
    return resolutionError('representationNotSupported', `acceptable types: ${types.join(', ')}`, shape)
  }
  const selection = { ...options }
  delete selection.accept
  // ETag from the ledger head: nothing this endpoint returns can change until the head moves. The
  // same holds for the answer itself, so it is cached under the same key.
  let key = request.method === 'POST' ? `${negotiated.type}\n${JSON.stringify(options)}\n${didUrl}` : target.keys.get(negotiated.type)
  if (key === undefined) {
    key = `${negotiated.type}\n\n${didUrl}`
    target.keys.set(negotiated.type, key)
  }
  // A cached answer names its network, so a repeated request does not parse the DID URL again.
  const known = cache?.peek(key)
  let parsed: GridDidUrl | undefined
  if (!known) {
    try {
      parsed = parseDidUrl(didUrl)
    } catch {
      // The resolver decides the code (invalidDid, invalidDidUrl, methodNotSupported for another
      // method's DID), in the shape of the function this request calls.
      const result = target.dereference ? await resolver.dereference(didUrl, selection) : await resolver.resolve(didUrl, selection)
      const meta: { error?: string; message?: unknown } =
        'dereferencingMetadata' in result ? result.dereferencingMetadata : result.didResolutionMetadata
      return resolutionError(meta.error ?? 'internalError', String(meta.message ?? ''), shape)
    }
  }
  let etag: string | undefined
  let height = 0
  let cached: CachedReply | undefined
  const ifNoneMatch = request.header('if-none-match')?.trim()
  const noneMatch = !ifNoneMatch ? undefined : ifNoneMatch === '*' ? '*' : 'tag'
  try {
    // The head the answer names; a cached answer is served only if computed at that head.
    height = await heads.finalized(known?.network ?? parsed!.network)
    if (known?.height === height) cached = cache!.touch(key, known)
    etag = cached?.etag ?? etagOf(height, key)
    if (noneMatch === 'tag' && matches(request.header('if-none-match')!, etag)) return notModified(etag)
  } catch {
    etag = undefined // unknown network or ledger down: resolution reports it properly below
  }
  // `*` matches any current representation (RFC 9110 §13.1.2): known only once the answer is.
  if (cached) return noneMatch === '*' && isSuccess(cached.reply.status) ? notModified(etag!) : cached.reply
  cache?.miss()
  parsed ??= parseDidUrl(didUrl) // parsed before, when the answer was cached
  const answer = target.dereference
    ? await dereferenceAnswer(resolver, didUrl, selection, negotiated, target.service)
    : await resolveAnswer(resolver, didUrl, selection, negotiated)
  if (!etag || answer.status >= 500) return answer
  const tagged = { status: answer.status, headers: { ...answer.headers, etag, 'cache-control': CACHE, vary: 'Accept' }, body: answer.body }
  const stored = cache ? cache.set(key, parsed.network, height, etag, tagged) : tagged
  return noneMatch === '*' && isSuccess(answer.status) ? notModified(etag) : stored
}
