import type { DIDDocument, DIDDocumentMetadata, DIDResolutionResult } from 'did-resolver'
import { InvalidDidError, InvalidDidUrlError, UnknownNetworkError } from '../errors.js'
import { messageOf } from '../lib/message.js'
import { isoSeconds } from '../lib/time.js'
import { parseDidUrl, type GridDid } from '../method/did.js'
import { toDidDocument } from '../method/document.js'
import type { DidState } from '../method/state-types.js'
import type { DidView } from './cache.js'
import type { ResolverContext } from './context.js'
import { failure, otherMethod } from './failure.js'
import type { GridMethodMetadata, GridResolutionOptions } from './resolution-types.js'
import { describe, selectIndex, selectorOf, type VersionSelector } from './version-selector.js'

/** Media types `resolve` can produce. */
export const SUPPORTED_CONTENT_TYPES = ['application/did+ld+json', 'application/did+json', 'application/did'] as const
/** The representation produced when no `accept` is given. @internal */
export const DEFAULT_CONTENT_TYPE = 'application/did+ld+json'

/**
 * {@link GridResolver.resolve}: resolves a DID to its document as data. Never throws: anything
 * unexpected is `internalError` (DID Resolution §Errors).
 * @internal
 */
export async function resolveDid(context: ResolverContext, did: string, options: GridResolutionOptions): Promise<DIDResolutionResult> {
  try {
    return await resolveOrFail(context, did, options ?? {})
  } catch (err) {
    // Resolution never throws (DID Resolution §Errors): anything unexpected is an internal error.
    return failure('internalError', `resolution failed: ${messageOf(err)}`)
  }
}

async function resolveOrFail(context: ResolverContext, did: string, options: GridResolutionOptions): Promise<DIDResolutionResult> {
  if (typeof did !== 'string') return failure('invalidDid', 'the DID must be a string')
  const accept = options.accept ?? DEFAULT_CONTENT_TYPE
  if (!(SUPPORTED_CONTENT_TYPES as readonly string[]).includes(accept)) {
    return failure('representationNotSupported', `cannot produce ${accept}; supported: ${SUPPORTED_CONTENT_TYPES.join(', ')}`)
  }
  let parsed: GridDid
  let selector: VersionSelector
  try {
    const url = parseDidUrl(did)
    if (url.path !== undefined || url.fragment !== undefined) {
      return failure('invalidDid', 'resolve takes a DID; use dereference for DID URLs with a path or fragment')
    }
    parsed = url
    const selected = selectorOf(url.params, options)
    if ('error' in selected) return failure(selected.error, selected.message)
    selector = selected.selector
  } catch (err) {
    const other = err instanceof InvalidDidError ? otherMethod(did) : undefined
    if (other) return failure('methodNotSupported', other)
    if (err instanceof InvalidDidError) return failure('invalidDid', err.message)
    if (err instanceof InvalidDidUrlError) return failure('invalidDidUrl', err.message)
    throw err
  }
  const ledger = context.networks.get(parsed.network)
  if (!ledger) return failure('methodNotSupported', new UnknownNetworkError(parsed.network).message)
  let view: DidView
  try {
    // Only a version selector needs the history; the latest state may come from a checkpoint.
    view = await context.cache.view(ledger, parsed, selector ? 'history' : 'latest')
  } catch (err) {
    return failure('internalError', `the ledger of network "${parsed.network}" failed: ${messageOf(err)}`)
  }
  const latest = view.fold.state
  if (!latest) return failure('notFound', `${parsed.did} is not on the ledger`)
  if (selector && 'ledgerHeight' in selector && selector.ledgerHeight > view.height) {
    return failure('notFound', `ledger height ${selector.ledgerHeight} is above the finalized height ${view.height}`)
  }
  const target = selectVersion(view, selector)
  if (!target) return failure('notFound', `${parsed.did} has no version matching ${describe(selector)}`)
  let didDocument: DIDDocument = toDidDocument(target)
  if (accept === 'application/did+json') {
    const { '@context': _ctx, ...plain } = didDocument
    didDocument = plain as DIDDocument
  }
  return {
    didResolutionMetadata: {},
    didDocument,
    didDocumentMetadata: documentMetadata(view, target),
  }
}

/** The state at the selected version (states of applied operations are kept by the view). */
function selectVersion(view: DidView, selector: VersionSelector): DidState | undefined {
  const latest = view.fold.state!
  if (!selector) return latest
  const wanted = selectIndex(view.fold.versions, selector)
  return wanted === undefined ? undefined : view.states[wanted]
}

function documentMetadata(view: DidView, state: DidState): DIDDocumentMetadata {
  const meta: DIDDocumentMetadata = { created: isoSeconds(state.created) }
  if (state.updated !== undefined) meta.updated = isoSeconds(state.updated)
  // DID Core §7.3.2.3: a deactivated DID says so for every version resolved, not only the last.
  if (view.fold.state?.deactivated) meta.deactivated = true
  meta.versionId = String(state.versionId)
  // The latest state has no next version (and a view continued from a checkpoint lists only the
  // versions after it, so its indices are not version numbers).
  const next = state === view.fold.state ? undefined : view.fold.versions[state.versionId]
  if (next) {
    meta.nextUpdate = isoSeconds(next.time)
    meta.nextVersionId = String(next.versionId)
  }
  const method: GridMethodMetadata = {
    head: state.head,
    recoveryHead: state.recoveryHead,
    updateKey: state.updateKey,
    recoveryKey: state.recoveryKey,
    ledgerHeight: String(view.height),
  }
  meta.method = method
  return meta
}
