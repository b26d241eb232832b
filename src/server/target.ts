import { Lru } from '../lib/lru.js'
import type { EndpointRequest } from './endpoint.js'

/** The path under which the endpoint resolves and dereferences DID URLs. */
export const PREFIX = '/1.0/identifiers/'

/** A request URL as the identifiers route reads it. */
export interface Target {
  /** The DID URL: the path after the prefix, percent-decoded, and the query. */
  didUrl: string
  /** Whether it is dereferenced (a path, a fragment or a `service` parameter), judged by its text so that a malformed one counts too. */
  dereference: boolean
  /** Whether it has a `service` parameter (then `text/uri-list` is acceptable). */
  service: boolean
  /** Cache key of a GET of `didUrl`, by negotiated media type. */
  keys: Map<string, string>
}

/** Request URLs seen recently, by `href`, as {@link Target}s: clients repeat the same few. */
export class Targets {
  readonly #seen = new Lru<string, Target>({ maxEntries: 1_000 })

  /** The {@link Target} of `url`, remembered (up to 1,000 URLs of up to 1,024 characters); undefined when it is not valid percent-encoding. */
  of(url: EndpointRequest['url']): Target | undefined {
    let target = this.#seen.get(url.href)
    if (target) return target
    try {
      const didUrl = decodeURIComponent(url.pathname.slice(PREFIX.length)) + url.search
      target = { didUrl, ...kindOf(didUrl), keys: new Map() }
    } catch {
      return undefined
    }
    if (url.href.length <= 1_024) this.#seen.set(url.href, target)
    return target
  }
}

/**
 * Whether a DID URL is dereferenced and whether it names a service, read from its text as
 * `parseDidUrl` splits it (DID, then path, query and fragment), so that it holds for a
 * malformed DID URL too.
 */
function kindOf(didUrl: string): { dereference: boolean; service: boolean } {
  const start = didUrl.search(/[/?#]/)
  if (start < 0) return { dereference: false, service: false }
  const hash = didUrl.indexOf('#', start)
  const q = didUrl.indexOf('?', start)
  const query = q < 0 || (hash >= 0 && hash < q) ? '' : didUrl.slice(q + 1, hash < 0 ? undefined : hash)
  const service = query.split('&').some((pair) => pair.split('=', 1)[0] === 'service')
  return { dereference: didUrl[start] === '/' || hash >= 0 || service, service }
}
