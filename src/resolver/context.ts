import { UnknownNetworkError } from '../errors.js'
import type { Ledger } from '../ledger/types.js'
import { parseDid } from '../method/did.js'
import type { DidView, ViewCache, ViewNeed } from './cache.js'

/**
 * What the operations of a {@link GridResolver} share: the ledger of each network and the cache of
 * verified views. One per resolver instance.
 * @internal
 */
export interface ResolverContext {
  readonly networks: ReadonlyMap<string, Ledger>
  readonly cache: ViewCache
}

/**
 * The view of `did` as of its network's finalized head (or complete to `pinned` at least, for a read
 * as of that height), for the operations that throw.
 * @throws {InvalidDidError} | {@link UnknownNetworkError}; whatever the ledger throws.
 * @internal
 */
export async function viewOf(context: ResolverContext, did: string, need: ViewNeed, pinned?: number): Promise<DidView> {
  const parsed = parseDid(did)
  const ledger = context.networks.get(parsed.network)
  if (!ledger) throw new UnknownNetworkError(parsed.network)
  return context.cache.view(ledger, parsed, need, pinned)
}
