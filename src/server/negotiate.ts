import { Lru } from '../lib/lru.js'

/** The full DID Resolution result media types (current and the one Veramo sends). */
export const RESULT_TYPES = ['application/did-resolution', 'application/ld+json;profile="https://w3id.org/did-resolution"'] as const
/** Media types that get only the document, and the representation the resolver produces for each. */
export const DOCUMENT_TYPES: Record<string, 'application/did+ld+json' | 'application/did+json' | 'application/did'> = {
  'application/did': 'application/did',
  'application/did+json': 'application/did+json',
  'application/did+ld+json': 'application/did+ld+json',
  'application/ld+json': 'application/did+ld+json',
  'application/json': 'application/did+ld+json',
}
/** What a service dereference (`?service=…`) may also be answered as: its endpoint URIs, one a line. */
export const URI_LIST = 'text/uri-list'

/** The outcome of content negotiation: the full result, the document alone, or a service's URIs. */
export type Negotiated =
  | { kind: 'result'; type: string }
  | { kind: 'document'; type: string; representation: (typeof DOCUMENT_TYPES)[string] }
  | { kind: 'uri-list'; type: typeof URI_LIST }

/**
 * The first acceptable media type, by q-value then order; undefined when none is acceptable.
 * `text/uri-list` counts only when `uriList` is true (a service dereference).
 */
export function negotiate(accept: string | null | undefined, uriList = false): Negotiated | undefined {
  if (accept === null || accept === undefined || accept.trim() === '') return { kind: 'result', type: RESULT_TYPES[0] }
  const ranges = accept
    .split(',')
    .map((part, order) => {
      const [type, ...params] = part.split(';').map((x) => x.trim())
      let q = 1
      const rest: string[] = []
      for (const p of params) {
        const [k, v] = p.split('=').map((x) => x.trim())
        if (k?.toLowerCase() === 'q') q = Number(v)
        else if (k) rest.push(`${k.toLowerCase()}=${v ?? ''}`)
      }
      return { type: (type ?? '').toLowerCase(), params: rest, q: Number.isFinite(q) ? q : 0, order }
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
  for (const r of ranges) {
    const profile = r.params
      .find((p) => p.startsWith('profile='))
      ?.slice(8)
      .replace(/^"|"$/g, '')
    if (r.type === 'application/did-resolution') return { kind: 'result', type: RESULT_TYPES[0] }
    if (r.type === URI_LIST && uriList) return { kind: 'uri-list', type: URI_LIST }
    if (r.type === 'application/ld+json' && profile === 'https://w3id.org/did-resolution') return { kind: 'result', type: RESULT_TYPES[1] }
    const representation = DOCUMENT_TYPES[r.type]
    if (representation && profile === undefined) return { kind: 'document', type: r.type, representation }
    if (r.type === '*/*' || r.type === 'application/*') return { kind: 'result', type: RESULT_TYPES[0] }
  }
  return undefined
}

/** {@link negotiate}, remembered per handler for up to 256 distinct short Accept headers (clients send few). */
export class Negotiator {
  readonly #seen = new Lru<string, Negotiated | undefined>({ maxEntries: 256 })

  negotiate(accept: string | null | undefined, uriList: boolean): Negotiated | undefined {
    if (accept === null || accept === undefined || accept.length > 256) return negotiate(accept, uriList)
    const key = `${uriList ? 'u' : '-'}${accept}`
    const known = this.#seen.get(key)
    if (known !== undefined || this.#seen.has(key)) return known
    const result = negotiate(accept, uriList)
    this.#seen.set(key, result)
    return result
  }
}
