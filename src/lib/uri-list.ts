/**
 * Schemes a service endpoint may have to be handed out as a URI (`text/uri-list`, DID Resolution
 * service dereferencing). An allow-list: `javascript:`, `data:`, `vbscript:`, `file:` and every
 * other scheme are refused.
 */
export const URI_LIST_SCHEMES = ['did', 'http', 'https', 'urn', 'ws', 'wss'] as const

// URIs are ASCII (RFC 3986 §2, RFC 2483 §5): an allow-list of the printable ASCII characters
// U+0021–U+007E. Everything else is refused: controls (C0, C1, U+0085), space, DEL, bidi marks and
// overrides, and every invisible format character (U+00AD, U+180E, U+2060, U+206A, U+FFF9, the
// U+E00xx tags…) that makes a URI read differently from what it is. An IRI's host or path must be
// anchored in its URI form (punycode, percent-encoding).
const REFUSED = /[^\u0021-\u007e]/u
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/

/**
 * Why `uri` may not be handed out as a line of a `text/uri-list`, or undefined when it may: a
 * character that is not printable ASCII (named by code point, never echoed), or a scheme off
 * {@link URI_LIST_SCHEMES}.
 */
export function uriListProblem(uri: string): string | undefined {
  const bad = REFUSED.exec(uri)
  if (bad) return `it contains U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}`
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase()
  if (scheme === undefined) return 'it has no scheme'
  if (!(URI_LIST_SCHEMES as readonly string[]).includes(scheme))
    return `its scheme "${scheme.slice(0, 32)}" is not one of ${URI_LIST_SCHEMES.join(', ')}`
  return undefined
}
