import type { DIDResolutionOptions, DIDResolutionResult, DIDResolver, ParsedDID, Resolvable } from 'did-resolver'
import { GridResolver, type GridResolverConfig } from './resolver.js'

/**
 * The did:grid method resolver for did-resolver's `Resolver`. DID parameters `versionId` and
 * `versionTime` in the DID URL select a past version.
 *
 * @example
 * ```ts
 * import { Resolver } from 'did-resolver'
 * const resolver = new Resolver(getResolver({ networks: { sgcc: ledger } }))
 * const { didDocument } = await resolver.resolve('did:grid:sgcc:…')
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export function getResolver(config: GridResolverConfig | GridResolver): { grid: DIDResolver } {
  const grid = config instanceof GridResolver ? config : new GridResolver(config)
  const resolve = (did: string, parsed: ParsedDID, _resolver: Resolvable, options: DIDResolutionOptions): Promise<DIDResolutionResult> => {
    const query = parsed.query ? `?${parsed.query}` : ''
    return grid.resolve(`${parsed.did ?? did}${query}`, options)
  }
  return { grid: resolve }
}
