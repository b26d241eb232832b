import { HeightNotReachedError, InvalidDidUrlError, ResourceNotFoundError, UnknownNetworkError } from '../errors.js'
import { parseDidUrl } from '../method/did.js'
import { stateBefore } from './cache.js'
import type { ResolverContext } from './context.js'
import type { ResolvedResource, ResourceSelection } from './resolution-types.js'
import { describe, selectIndex, selectorOf } from './version-selector.js'

const RESOURCE_PATH = /^\/resources\/([A-Za-z0-9_-]{1,64})$/

/** The resource id of a DID URL path `/resources/<id>`; undefined for any other path. */
export function resourceIdOf(path: string | undefined): string | undefined {
  return path === undefined ? undefined : RESOURCE_PATH.exec(path)?.[1]
}

/**
 * {@link GridResolver.resolveResource}: one version of a DID-linked resource.
 * @throws as {@link GridResolver.resolveResource}.
 * @internal
 */
export async function resolveResource(
  context: ResolverContext,
  resourceUrl: string,
  options: ResourceSelection,
): Promise<ResolvedResource> {
  const url = parseDidUrl(resourceUrl)
  const resourceId = resourceIdOf(url.path)
  if (resourceId === undefined) throw new InvalidDidUrlError(`${resourceUrl} is not a resource URL (<did>/resources/<id>)`)
  if (url.fragment !== undefined) throw new InvalidDidUrlError('a resource URL has no fragment')
  const selected = selectorOf(url.params, options)
  if ('error' in selected)
    throw selected.error === 'invalidDidUrl' ? new InvalidDidUrlError(selected.message) : new RangeError(selected.message)
  const selector = selected.selector
  const ledger = context.networks.get(url.network)
  if (!ledger) throw new UnknownNetworkError(url.network)
  const pinned = selector && 'ledgerHeight' in selector ? selector.ledgerHeight : undefined
  const { owner, resource } = await context.cache.resource(ledger, url, resourceId, pinned)
  const height = resource.height
  if (selector && 'ledgerHeight' in selector && selector.ledgerHeight > height) {
    throw new HeightNotReachedError(selector.ledgerHeight, height)
  }
  const versions = resource.fold.versions
  const index = selector ? selectIndex(versions, selector) : versions.length - 1
  const version = index === undefined ? undefined : versions[index]
  const id = `${url.did}/resources/${resourceId}`
  if (!version) throw new ResourceNotFoundError(id, selector ? describe(selector) : undefined)
  // A read pinned to a height answers as of that height only: later versions and a later
  // deactivation do not show, so the answer never changes as the ledger grows.
  const cutoff = selector && 'ledgerHeight' in selector ? selector.ledgerHeight : height
  const later = versions[version.versionId]
  const next = later && later.height <= cutoff ? later : undefined
  const ownerState = stateBefore(owner, cutoff + 1, 0)
  return {
    id,
    did: url.did,
    resourceId,
    version,
    nextVersionId: next ? next.versionId : undefined,
    ownerDeactivated: ownerState?.deactivated === true,
    ledgerHeight: cutoff,
  }
}
