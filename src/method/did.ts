import type { ParsedDID } from 'did-resolver'
import { InvalidDidError, InvalidDidUrlError } from '../errors.js'
import { LIMITS } from './limits.js'

/** The DID method name. */
export const METHOD = 'grid'
/** Length of the self-certifying suffix: base32 (RFC 4648, lowercase, unpadded) of a SHA-256 digest. */
export const SUFFIX_LENGTH = 52

const NETWORK = /^[a-z][a-z0-9]{0,15}$/
const SUFFIX_CHARS = /^[a-z2-7]*$/
// 256 bits = 51 full base32 characters + 1 bit; the last character carries 1 bit and 4 zero pad bits,
// so only 'a' (0) and 'q' (16) are canonical there.
const SUFFIX_LAST = /[aq]$/
const PCHAR = "A-Za-z0-9\\-._~!$&'()*+,;=:@"
const PATH = new RegExp(`^(?:/(?:[${PCHAR}]|%[0-9A-Fa-f]{2})*)*$`)
const QUERY_OR_FRAGMENT = new RegExp(`^(?:[${PCHAR}/?]|%[0-9A-Fa-f]{2})*$`)
const FRAGMENT_ID = /^[A-Za-z0-9_-]{1,64}$/
const RELATIVE_REF = new RegExp(`^(?:[${PCHAR}/?#]|%[0-9A-Fa-f]{2})*$`)
// At most 15 digits, so every accepted versionId is a safe integer.
const VERSION_ID = /^[1-9][0-9]{0,14}$/
const VERSION_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/

/** A parsed `did:grid` DID. */
export interface GridDid {
  /** The DID itself, `did:grid:<network>:<suffix>`. */
  did: string
  network: string
  suffix: string
}

/** A parsed `did:grid` DID URL; a superset of did-resolver's `ParsedDID`. */
export interface GridDidUrl extends ParsedDID, GridDid {
  /** Decoded query parameters (unique names). */
  params?: Record<string, string>
}

/**
 * Parses a `did:grid` DID (no path, query or fragment) strictly.
 *
 * @throws {InvalidDidError} with a message naming the part that is wrong.
 * @throws {TypeError} when `did` is not a string.
 * @example
 * ```ts
 * const { network, suffix } = parseDid('did:grid:sgcc:' + 'a'.repeat(52))
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#identifier-syntax
 */
export function parseDid(did: string): GridDid {
  if (typeof did !== 'string') throw new TypeError('did must be a string')
  const parts = did.split(':')
  if (parts.length !== 4) {
    throw new InvalidDidError(`a did:grid DID has 4 colon-separated parts (did:grid:<network>:<suffix>), got ${parts.length}`)
  }
  const [scheme, method, network, suffix] = parts as [string, string, string, string]
  if (scheme !== 'did') throw new InvalidDidError('a DID must start with "did:"')
  if (method !== METHOD) throw new InvalidDidError(`the method must be "${METHOD}", got "${truncate(method)}"`)
  if (!NETWORK.test(network)) {
    throw new InvalidDidError(`the network must be 1-16 characters a-z0-9 starting with a letter, got "${truncate(network)}"`)
  }
  checkSuffix(suffix)
  return { did, network, suffix }
}

function checkSuffix(suffix: string): void {
  if (suffix.length !== SUFFIX_LENGTH) {
    throw new InvalidDidError(`the suffix must be ${SUFFIX_LENGTH} characters, got ${suffix.length}`)
  }
  if (!SUFFIX_CHARS.test(suffix)) {
    throw new InvalidDidError('the suffix must use only lowercase base32 characters a-z and 2-7')
  }
  if (!SUFFIX_LAST.test(suffix)) {
    throw new InvalidDidError('the suffix is not a canonical base32 encoding of 32 bytes (last character must be "a" or "q")')
  }
}

// DID Core §3.1.1: "did:" method-name ":" method-specific-id, with idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
const ID_CHAR = '(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})'
const ANY_DID = new RegExp(`^did:[a-z0-9]+:(?:${ID_CHAR}*:)*${ID_CHAR}+$`)

/**
 * Whether `text` is a DID of any method by the generic syntax of DID Core §3.1.1 (not whether it is
 * a valid did:grid DID: see {@link parseDid}). Separates "a DID this resolver does not serve"
 * (`methodNotSupported`) from "not a DID" (`invalidDid`).
 * @example `isDidSyntax('did:example:123') // true`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution-algorithm
 */
export function isDidSyntax(text: string): boolean {
  return typeof text === 'string' && text.length <= LIMITS.didUrlLength && ANY_DID.test(text)
}

/**
 * Formats a DID from its network and suffix, validating both.
 * @example `formatDid('sgcc', suffix) // 'did:grid:sgcc:…'`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#identifier-syntax
 */
export function formatDid(network: string, suffix: string): string {
  if (typeof network !== 'string') throw new TypeError('network must be a string')
  if (typeof suffix !== 'string') throw new TypeError('suffix must be a string')
  return parseDid(`did:${METHOD}:${network}:${suffix}`).did
}

/**
 * Parses a `did:grid` DID URL: DID, optional path, query and fragment (RFC 3986 characters,
 * valid percent-encoding), with the DID parameters `versionId`, `versionTime`, `service` and
 * `relativeRef` checked when present. Parameter names must be unique.
 *
 * @throws {InvalidDidUrlError} for a malformed path, query, fragment or parameter.
 * @throws {InvalidDidError} when the DID part itself is malformed.
 * @example
 * ```ts
 * const url = parseDidUrl(`${did}?versionId=2#key-1`)
 * url.params?.versionId // '2'
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-urls
 */
export function parseDidUrl(didUrl: string): GridDidUrl {
  if (typeof didUrl !== 'string') throw new TypeError('didUrl must be a string')
  if (didUrl.length > LIMITS.didUrlLength) {
    throw new InvalidDidUrlError(`a DID URL may be at most ${LIMITS.didUrlLength} characters, got ${didUrl.length}`)
  }
  const end = firstIndexOf(didUrl, ['/', '?', '#'])
  const { did, network, suffix } = parseDid(didUrl.slice(0, end))
  let rest = didUrl.slice(end)
  let fragment: string | undefined
  let query: string | undefined
  const hash = rest.indexOf('#')
  if (hash >= 0) {
    fragment = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
    if (!QUERY_OR_FRAGMENT.test(fragment)) throw new InvalidDidUrlError('the fragment has a character outside RFC 3986 or a bad %-escape')
  }
  const q = rest.indexOf('?')
  if (q >= 0) {
    query = rest.slice(q + 1)
    rest = rest.slice(0, q)
    if (!QUERY_OR_FRAGMENT.test(query)) throw new InvalidDidUrlError('the query has a character outside RFC 3986 or a bad %-escape')
  }
  const path = rest
  if (!PATH.test(path)) throw new InvalidDidUrlError('the path has a character outside RFC 3986 or a bad %-escape')
  const parsed: GridDidUrl = { did, didUrl, method: METHOD, id: `${network}:${suffix}`, network, suffix }
  if (path) parsed.path = path
  if (query !== undefined) {
    parsed.query = query
    parsed.params = parseParams(query)
  }
  if (fragment !== undefined) {
    if (fragment === '') throw new InvalidDidUrlError('the fragment is empty')
    parsed.fragment = fragment
  }
  return parsed
}

function parseParams(query: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null)
  if (query === '') return {}
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=')
    const name = decode(eq < 0 ? pair : pair.slice(0, eq))
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1))
    if (name === '') throw new InvalidDidUrlError('a query parameter has an empty name')
    if (name in params) throw new InvalidDidUrlError(`the query parameter "${truncate(name)}" appears more than once`)
    params[name] = value
  }
  if (params.versionId !== undefined) parseVersionId(params.versionId)
  if (params.versionTime !== undefined) parseVersionTime(params.versionTime)
  if (params.versionId !== undefined && params.versionTime !== undefined) {
    throw new InvalidDidUrlError('versionId and versionTime cannot both be given')
  }
  if (params.service !== undefined && !FRAGMENT_ID.test(params.service)) {
    throw new InvalidDidUrlError('service must be a service id: 1-64 characters A-Z a-z 0-9 _ -')
  }
  if (params.relativeRef !== undefined) {
    if (params.service === undefined) throw new InvalidDidUrlError('relativeRef needs a service parameter')
    // A relative reference only (RFC 3986 §4.2: relative-part without authority): a scheme, an
    // authority, or characters URL parsers rewrite (\\, whitespace) would let it leave the endpoint.
    const ref = params.relativeRef
    const firstSegment = ref.split(/[/?#]/, 1)[0]!
    if (!RELATIVE_REF.test(ref) || ref.startsWith('//') || firstSegment.includes(':')) {
      throw new InvalidDidUrlError('relativeRef must be a relative reference (no scheme, no authority)')
    }
  }
  return { ...params }
}

/**
 * Parses a `versionId` (a positive integer of 1-15 digits without leading zeros).
 * @throws {InvalidDidUrlError} when the string is not such an integer.
 * @example `parseVersionId('2') // 2`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#versioning
 */
export function parseVersionId(text: string): number {
  if (typeof text !== 'string') throw new TypeError('versionId must be a string')
  if (!VERSION_ID.test(text)) throw new InvalidDidUrlError('versionId must be a positive integer without leading zeros')
  return Number(text)
}

/**
 * Parses a `versionTime` (XML Schema dateTime in UTC, whole seconds, `YYYY-MM-DDTHH:MM:SSZ`) to
 * Unix seconds.
 * @throws {InvalidDidUrlError} when the string is not such a timestamp or not a real date.
 * @example `parseVersionTime('2026-01-01T00:00:00Z') // 1767225600`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#versioning
 */
export function parseVersionTime(text: string): number {
  if (typeof text !== 'string') throw new TypeError('versionTime must be a string')
  const m = VERSION_TIME.exec(text)
  if (!m) throw new InvalidDidUrlError('versionTime must be a UTC timestamp like 2026-01-31T08:00:00Z')
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const back = new Date(Date.UTC(2000, mo - 1, d, h, mi, s))
  back.setUTCFullYear(y, mo - 1, d)
  const ms = back.getTime()
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new InvalidDidUrlError(`versionTime ${text} is not a valid date and time`)
  }
  return ms / 1000
}

/** Whether a string is a valid network name: 1-16 characters a-z0-9, starting with a letter. */
export function isNetworkName(network: string): boolean {
  if (typeof network !== 'string') throw new TypeError('network must be a string')
  return NETWORK.test(network)
}

/** Whether a string is a valid verification-method or service id (a DID URL fragment). */
export function isFragmentId(id: string): boolean {
  if (typeof id !== 'string') throw new TypeError('id must be a string')
  return FRAGMENT_ID.test(id)
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch (cause) {
    throw new InvalidDidUrlError('a query parameter is not valid UTF-8 after %-decoding', { cause })
  }
}

function firstIndexOf(text: string, chars: string[]): number {
  let min = text.length
  for (const c of chars) {
    const i = text.indexOf(c)
    if (i >= 0 && i < min) min = i
  }
  return min
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
