/**
 * Schemes a service endpoint may have to be handed out as a URI (`text/uri-list`, DID Resolution
 * service dereferencing). An allow-list: `javascript:`, `data:`, `vbscript:`, `file:` and every
 * other scheme are refused.
 */
export const URI_LIST_SCHEMES = ['did', 'http', 'https', 'urn', 'ws', 'wss'] as const

// C0 and C1 controls (U+0085 included), DEL, whitespace and line separators, and the bidi marks,
// embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) that
// make a URI read differently from what it is.
const REFUSED = /[\u0000-\u0020\u007f-\u009f\u00a0\u061c\u1680\u2000-\u200f\u2028-\u202f\u205f\u2066-\u2069\u3000\ufeff]/
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/

/**
 * Why `uri` may not be handed out as a line of a `text/uri-list`, or undefined when it may: a
 * character from the refused set (named by code point, never echoed), or a scheme off
 * {@link URI_LIST_SCHEMES}.
 */
export function uriListProblem(uri: string): string | undefined {
  const bad = REFUSED.exec(uri)
  if (bad) return `it contains U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}`
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase()
  if (scheme === undefined) return 'it has no scheme'
  if (!(URI_LIST_SCHEMES as readonly string[]).includes(scheme)) return `its scheme "${scheme.slice(0, 32)}" is not one of ${URI_LIST_SCHEMES.join(', ')}`
  return undefined
}
