import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GridError, InvalidDidError, InvalidDidUrlError } from '../../src/errors.js'
import {
  formatDid,
  isFragmentId,
  isNetworkName,
  METHOD,
  parseDid,
  parseDidUrl,
  parseVersionId,
  parseVersionTime,
  SUFFIX_LENGTH,
  type GridDidUrl,
} from '../../src/method/did.js'

interface SyntaxVectors {
  valid: string[]
  invalid: { did: string; why: string }[]
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/did-syntax.json', import.meta.url), 'utf8')) as SyntaxVectors

const SUFFIX = 'ixtimmlfokgk7m45vxduwxdbzfawphbscvza277bejhzmdstwfhq'
const DID = `did:grid:sgcc:${SUFFIX}`
const INVALID_DID = 'ERR_GRID_INVALID_DID'
const INVALID_DID_URL = 'ERR_GRID_INVALID_DID_URL'

type ErrorClass = new (...args: never[]) => Error

/** Runs `fn`, asserting it throws an instance of `cls` with `code` and a message matching `message`. */
function expectThrows(fn: () => unknown, cls: ErrorClass, code: string | undefined, message: string | RegExp): Error {
  let caught: unknown
  let returned = false
  try {
    fn()
    returned = true
  } catch (err) {
    caught = err
  }
  expect(returned, 'expected the call to throw').toBe(false)
  expect(caught).toBeInstanceOf(cls)
  if (code !== undefined) expect((caught as GridError).code).toBe(code)
  expect((caught as Error).message).toMatch(message)
  return caught as Error
}

const expectInvalidDid = (fn: () => unknown, message: string | RegExp): Error => expectThrows(fn, InvalidDidError, INVALID_DID, message)
const expectInvalidDidUrl = (fn: () => unknown, message: string | RegExp): Error =>
  expectThrows(fn, InvalidDidUrlError, INVALID_DID_URL, message)

/** Every message parseDid can produce, so property tests can assert "a message fragment" too. */
const DID_MESSAGE =
  /^(a did:grid DID has 4 colon-separated parts|a DID must start with "did:"|the method must be "grid"|the network must be 1-16 characters|the suffix must be 52 characters|the suffix must use only lowercase base32|the suffix is not a canonical base32 encoding)/
/** Every message parseDidUrl itself (not parseDid) can produce. */
const DID_URL_MESSAGE =
  /^(a DID URL may be at most|the (path|query|fragment) has a character outside RFC 3986|the fragment is empty|a query parameter has an empty name|the query parameter ".*" appears more than once|versionId must be|versionTime |versionId and versionTime|service must be|relativeRef needs|a query parameter is not valid UTF-8)/

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const LOWER = [...'abcdefghijklmnopqrstuvwxyz']
const DIGITS = [...'0123456789']
const BASE32 = [...LOWER, ...'234567']
/** RFC 3986 pchar minus pct-encoded: unreserved / sub-delims / ':' / '@'. */
const PCHAR = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@"]
const HEX = [...'0123456789abcdefABCDEF']
const RESERVED_PARAMS = new Set(['versionId', 'versionTime', 'service', 'relativeRef'])

const networkArb = fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/)
const suffixArb = fc
  .tuple(fc.array(fc.constantFrom(...BASE32), { minLength: 51, maxLength: 51 }), fc.constantFrom('a', 'q'))
  .map(([body, last]) => body.join('') + last)
const validDidArb = fc.record({ network: networkArb, suffix: suffixArb }).map(({ network, suffix }) => ({
  network,
  suffix,
  did: `did:grid:${network}:${suffix}`,
}))

/** A %-escape with any byte and either hex case (path and fragment are not decoded, so any byte goes). */
const pctArb = fc.tuple(fc.constantFrom(...HEX), fc.constantFrom(...HEX)).map(([a, b]) => `%${a}${b}`)
const pcharArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PCHAR) }, { weight: 1, arbitrary: pctArb })
const segmentArb = fc.array(pcharArb, { maxLength: 8 }).map((cs) => cs.join(''))
const pathArb = fc.array(segmentArb, { minLength: 1, maxLength: 4 }).map((segs) => segs.map((s) => `/${s}`).join(''))
const fragmentArb = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PCHAR, '/', '?') }, { weight: 1, arbitrary: pctArb }), {
    minLength: 1,
    maxLength: 12,
  })
  .map((cs) => cs.join(''))

/**
 * One piece of a query name or value as [encoded, decoded]: either a raw character that
 * decodeURIComponent leaves alone (no '%', '&'; no '=' so the name/value split stays put), or
 * encodeURIComponent of well-formed Unicode text (any code point, including astral ones).
 */
const queryPieceArb: fc.Arbitrary<[string, string]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...PCHAR.filter((c) => c !== '&' && c !== '='), '/', '?').map((c): [string, string] => [c, c]),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }).map((s): [string, string] => [encodeURIComponent(s), s]),
  },
)
const queryTextArb = (minLength: number) =>
  fc.array(queryPieceArb, { minLength, maxLength: 6 }).map((pieces) => ({
    encoded: pieces.map((p) => p[0]).join(''),
    decoded: pieces.map((p) => p[1]).join(''),
  }))
/** Name=value pairs with distinct decoded names, none of which is a DID parameter. */
const queryArb = fc
  .uniqueArray(fc.record({ name: queryTextArb(1), value: queryTextArb(0) }), {
    maxLength: 5,
    selector: (p) => p.name.decoded,
  })
  .filter((pairs) => pairs.every((p) => !RESERVED_PARAMS.has(p.name.decoded)))
  .map((pairs) => ({
    query: pairs.map((p) => `${p.name.encoded}=${p.value.encoded}`).join('&'),
    params: Object.fromEntries(pairs.map((p) => [p.name.decoded, p.value.decoded])) as Record<string, string>,
  }))

/** Characters that are never allowed anywhere in a DID URL (not in any RFC 3986 production). */
const forbiddenCharArb = fc.oneof(
  fc.constantFrom(' ', '<', '>', '"', '{', '}', '|', '\\', '^', '`', '\t', '\n', '\r', '\0', '\x7f', '\u00a0'),
  fc.integer({ min: 0x00, max: 0x1f }).map((n) => String.fromCharCode(n)),
  // non-ASCII code points (surrogate range excluded here, lone surrogates below)
  fc
    .integer({ min: 0x80, max: 0x10ffff })
    .filter((n) => n < 0xd800 || n > 0xdfff)
    .map((n) => String.fromCodePoint(n)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)),
  fc.constantFrom('а', 'е', 'о', 'ｄ', 'ｇ', '\u200b', '\u2028', '\ufeff', 'ɡ'),
)

const homoglyphs = [
  'а' /* U+0430 */,
  'е' /* U+0435 */,
  'о' /* U+043E */,
  'і' /* U+0456 */,
  'ɡ' /* U+0261 */,
  'ｄ',
  'ｉ',
  'ｇ',
  'ｒ',
  '０',
  '２',
]
const whitespaceOrNul = [' ', '\t', '\n', '\r', '\v', '\f', '\0', '\u00a0', '\u2028', '\u2029', '\u200b', '\ufeff', '\u3000']

/** Rebuilds a DID URL from the parts parseDidUrl returned. */
function reassemble(u: GridDidUrl): string {
  return u.did + (u.path ?? '') + (u.query !== undefined ? `?${u.query}` : '') + (u.fragment !== undefined ? `#${u.fragment}` : '')
}

// ---------------------------------------------------------------------------------------------
// Error classes
// ---------------------------------------------------------------------------------------------

describe('error classes', () => {
  it('InvalidDidError is a GridError with code ERR_GRID_INVALID_DID, its own name and the cause', () => {
    const cause = new Error('root')
    const err = new InvalidDidError('bad did', { cause })
    expect(err).toBeInstanceOf(InvalidDidError)
    expect(err).toBeInstanceOf(GridError)
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(InvalidDidUrlError)
    expect(err.code).toBe(INVALID_DID)
    expect(err.name).toBe('InvalidDidError')
    expect(err.message).toBe('bad did')
    expect(err.cause).toBe(cause)
  })

  it('InvalidDidUrlError is a GridError with code ERR_GRID_INVALID_DID_URL, its own name and the cause', () => {
    const err = new InvalidDidUrlError('bad url', { cause: 42 })
    expect(err).toBeInstanceOf(InvalidDidUrlError)
    expect(err).toBeInstanceOf(GridError)
    expect(err).not.toBeInstanceOf(InvalidDidError)
    expect(err.code).toBe(INVALID_DID_URL)
    expect(err.name).toBe('InvalidDidUrlError')
    expect(err.message).toBe('bad url')
    expect(err.cause).toBe(42)
    expect(new InvalidDidUrlError('x').cause).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------------

describe('did-syntax.json vectors', () => {
  it('has both valid and invalid vectors', () => {
    expect(vectors.valid.length).toBeGreaterThan(0)
    expect(vectors.invalid.length).toBeGreaterThan(0)
  })

  it.each(vectors.valid)('valid: %s parses and round-trips', (did) => {
    const parsed = parseDid(did)
    const [, , network, suffix] = did.split(':')
    expect(parsed).toStrictEqual({ did, network, suffix })
    expect(formatDid(parsed.network, parsed.suffix)).toBe(did)
    // A bare DID is also a DID URL.
    const url = parseDidUrl(did)
    expect(url).toStrictEqual({ did, didUrl: did, method: 'grid', id: `${network}:${suffix}`, network, suffix })
  })

  it.each(vectors.invalid.map((v) => [v.why, v.did]))('invalid (%s): %s', (_why, did) => {
    expectInvalidDid(() => parseDid(did), DID_MESSAGE)
    // The same string as a DID URL fails on its DID part.
    expectInvalidDid(() => parseDidUrl(did), DID_MESSAGE)
  })
})

// ---------------------------------------------------------------------------------------------
// parseDid / formatDid
// ---------------------------------------------------------------------------------------------

describe('parseDid', () => {
  it('returns did, network and suffix', () => {
    expect(parseDid(DID)).toStrictEqual({ did: DID, network: 'sgcc', suffix: SUFFIX })
    expect(METHOD).toBe('grid')
    expect(SUFFIX_LENGTH).toBe(52)
  })

  it('accepts the network length bounds 1 and 16', () => {
    expect(parseDid(`did:grid:a:${SUFFIX}`).network).toBe('a')
    expect(parseDid(`did:grid:a234567890123456:${SUFFIX}`).network).toBe('a234567890123456')
  })

  it('throws TypeError for a non-string', () => {
    for (const bad of [undefined, null, 42, {}, [DID], Symbol('did')]) {
      expectThrows(() => parseDid(bad as unknown as string), TypeError, undefined, 'did must be a string')
    }
    // A String object is not a string either.
    expectThrows(() => parseDid(new String(DID) as unknown as string), TypeError, undefined, 'did must be a string')
  })

  it('rejects the wrong number of colon-separated parts', () => {
    expectInvalidDid(() => parseDid(''), 'a did:grid DID has 4 colon-separated parts (did:grid:<network>:<suffix>), got 1')
    expectInvalidDid(() => parseDid('did:grid:sgcc'), 'got 3')
    expectInvalidDid(() => parseDid(`did:grid:${SUFFIX}`), 'got 3')
    expectInvalidDid(() => parseDid(`${DID}:`), 'got 5')
    expectInvalidDid(() => parseDid(`:${DID}`), 'got 5')
    expectInvalidDid(() => parseDid(`${DID}:x`), 'got 5')
  })

  it('rejects a scheme other than "did"', () => {
    for (const scheme of ['DID', 'Did', 'di', 'didd', '', ' did', 'urn']) {
      expectInvalidDid(() => parseDid(`${scheme}:grid:sgcc:${SUFFIX}`), 'a DID must start with "did:"')
    }
  })

  it('rejects a method other than "grid", quoting it (truncated to 40 characters)', () => {
    expectInvalidDid(() => parseDid(`did:Grid:sgcc:${SUFFIX}`), 'the method must be "grid", got "Grid"')
    expectInvalidDid(() => parseDid(`did::sgcc:${SUFFIX}`), 'got ""')
    expectInvalidDid(() => parseDid(`did:web:sgcc:${SUFFIX}`), 'got "web"')
    const long = 'm'.repeat(50)
    const err = expectInvalidDid(() => parseDid(`did:${long}:sgcc:${SUFFIX}`), `got "${'m'.repeat(40)}…"`)
    expect(err.message).not.toContain(long)
  })

  it('rejects a bad network, quoting it', () => {
    const msg = 'the network must be 1-16 characters a-z0-9 starting with a letter'
    for (const network of [
      '',
      'SGCC',
      'Sgcc',
      '9net',
      '0',
      'a234567890123456x',
      'sg-cc',
      'sg_cc',
      'sg.cc',
      'sg cc',
      'sgcс' /* Cyrillic с */,
    ]) {
      expectInvalidDid(() => parseDid(`did:grid:${network}:${SUFFIX}`), `${msg}, got "${network}"`)
    }
  })

  it('rejects a suffix of the wrong length, giving the length', () => {
    expectInvalidDid(() => parseDid(`did:grid:sgcc:${SUFFIX.slice(0, 51)}`), 'the suffix must be 52 characters, got 51')
    expectInvalidDid(() => parseDid(`did:grid:sgcc:${SUFFIX}a`), 'the suffix must be 52 characters, got 53')
    expectInvalidDid(() => parseDid('did:grid:sgcc:'), 'the suffix must be 52 characters, got 0')
    // Base32 padding makes it too long, not "non-canonical".
    expectInvalidDid(() => parseDid(`did:grid:sgcc:${SUFFIX}====`), 'got 56')
  })

  it('rejects a suffix with characters outside lowercase base32', () => {
    const msg = 'the suffix must use only lowercase base32 characters a-z and 2-7'
    for (const c of ['0', '1', '8', '9', 'A', 'Z', '=', '-', '_', ' ', 'а']) {
      expectInvalidDid(() => parseDid(`did:grid:sgcc:${c}${SUFFIX.slice(1)}`), msg)
      expectInvalidDid(() => parseDid(`did:grid:sgcc:${SUFFIX.slice(0, 25)}${c}${SUFFIX.slice(26)}`), msg)
    }
    expectInvalidDid(() => parseDid(`did:grid:sgcc:${SUFFIX.toUpperCase()}`), msg)
  })

  it('rejects a non-canonical last suffix character (only "a" and "q" carry zero pad bits)', () => {
    const msg = 'the suffix is not a canonical base32 encoding of 32 bytes (last character must be "a" or "q")'
    for (const last of BASE32.filter((c) => c !== 'a' && c !== 'q')) {
      expectInvalidDid(() => parseDid(`did:grid:sgcc:${SUFFIX.slice(0, 51)}${last}`), msg)
    }
    expect(parseDid(`did:grid:sgcc:${SUFFIX.slice(0, 51)}a`).suffix.endsWith('a')).toBe(true)
    expect(parseDid(`did:grid:sgcc:${SUFFIX.slice(0, 51)}q`).suffix.endsWith('q')).toBe(true)
  })

  it('checks parts in order: count, scheme, method, network, suffix', () => {
    expectInvalidDid(() => parseDid('DID:Grid:SGCC'), 'got 3')
    expectInvalidDid(() => parseDid('DID:Grid:SGCC:x'), 'must start with "did:"')
    expectInvalidDid(() => parseDid('did:Grid:SGCC:x'), 'the method must be')
    expectInvalidDid(() => parseDid('did:grid:SGCC:x'), 'the network must be')
    expectInvalidDid(() => parseDid('did:grid:sgcc:x'), 'the suffix must be 52')
  })
})

describe('formatDid', () => {
  it('builds and validates a DID', () => {
    expect(formatDid('sgcc', SUFFIX)).toBe(DID)
    expect(formatDid('a', 'a'.repeat(52))).toBe(`did:grid:a:${'a'.repeat(52)}`)
  })

  it('rejects a bad network or suffix with InvalidDidError', () => {
    expectInvalidDid(() => formatDid('SGCC', SUFFIX), 'the network must be')
    expectInvalidDid(() => formatDid('', SUFFIX), 'the network must be')
    expectInvalidDid(() => formatDid('sgcc', SUFFIX.slice(1)), 'the suffix must be 52 characters, got 51')
    expectInvalidDid(() => formatDid('sgcc', `${SUFFIX.slice(0, 51)}b`), 'not a canonical base32')
    // A colon smuggled into either argument changes the part count.
    expectInvalidDid(() => formatDid('sg:cc', SUFFIX), 'got 5')
    expectInvalidDid(() => formatDid('sgcc', `${SUFFIX}:x`), 'got 5')
  })
})

// ---------------------------------------------------------------------------------------------
// parseDidUrl
// ---------------------------------------------------------------------------------------------

describe('parseDidUrl', () => {
  it('parses a bare DID with no path, query, fragment or params keys', () => {
    const u = parseDidUrl(DID)
    expect(u).toStrictEqual({ did: DID, didUrl: DID, method: 'grid', id: `sgcc:${SUFFIX}`, network: 'sgcc', suffix: SUFFIX })
    expect(Object.keys(u)).not.toContain('path')
    expect(Object.keys(u)).not.toContain('params')
  })

  it('returns did, path, query, fragment, decoded params, network, suffix, method and id', () => {
    const didUrl = `${DID}/path/a%20b;x=1?versionId=3&foo=b%C3%A4r&empty=&flag#key-1`
    expect(parseDidUrl(didUrl)).toStrictEqual({
      did: DID,
      didUrl,
      method: 'grid',
      id: `sgcc:${SUFFIX}`,
      network: 'sgcc',
      suffix: SUFFIX,
      path: '/path/a%20b;x=1',
      query: 'versionId=3&foo=b%C3%A4r&empty=&flag',
      params: { versionId: '3', foo: 'bär', empty: '', flag: '' },
      fragment: 'key-1',
    })
  })

  it('keeps "?" and "/" inside query and fragment, and splits on the first "#" then the first "?"', () => {
    const u = parseDidUrl(`${DID}/a/?b=c/d?e#f/g?h`)
    expect(u.path).toBe('/a/')
    expect(u.query).toBe('b=c/d?e')
    expect(u.params).toStrictEqual({ b: 'c/d?e' })
    expect(u.fragment).toBe('f/g?h')
    const v = parseDidUrl(`${DID}#a?b`)
    expect(v.fragment).toBe('a?b')
    expect(v.query).toBeUndefined()
    expect(v.path).toBeUndefined()
  })

  it('accepts an empty query (params {}) and a root path', () => {
    const u = parseDidUrl(`${DID}/?`)
    expect(u.path).toBe('/')
    expect(u.query).toBe('')
    // toEqual, not toStrictEqual: see "known defects" (the empty-query params has a null prototype).
    expect(u.params).toEqual({})
    expect(Object.keys(u.params ?? { x: 1 })).toStrictEqual([])
  })

  it('accepts the DID parameters in their valid forms', () => {
    expect(parseDidUrl(`${DID}?versionId=1`).params).toStrictEqual({ versionId: '1' })
    expect(parseDidUrl(`${DID}?versionId=999999999999999`).params?.versionId).toBe('999999999999999')
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?versionId=9999999999999999`), 'versionId must be a positive integer')
    expect(parseDidUrl(`${DID}?versionTime=2026-01-31T08:00:00Z`).params?.versionTime).toBe('2026-01-31T08:00:00Z')
    expect(parseDidUrl(`${DID}?service=files&relativeRef=%2Fdocs%3Fa%3D1`).params).toStrictEqual({
      service: 'files',
      relativeRef: '/docs?a=1',
    })
    expect(parseDidUrl(`${DID}?service=${'s'.repeat(64)}`).params?.service).toHaveLength(64)
    // Names are compared after %-decoding.
    expect(parseDidUrl(`${DID}?version%49d=7`).params).toStrictEqual({ versionId: '7' })
  })

  it('stores __proto__ / constructor as plain own params without touching the prototype', () => {
    const u = parseDidUrl(`${DID}?__proto__=x&constructor=y`)
    expect(Object.getPrototypeOf(u.params)).toBe(Object.prototype)
    expect(Object.keys(u.params ?? {})).toStrictEqual(['__proto__', 'constructor'])
    expect(Object.getOwnPropertyDescriptor(u.params, '__proto__')?.value).toBe('x')
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('throws TypeError for a non-string', () => {
    for (const bad of [undefined, null, 1, {}, [DID]]) {
      expectThrows(() => parseDidUrl(bad as unknown as string), TypeError, undefined, 'didUrl must be a string')
    }
  })

  it('rejects a DID URL longer than 4096 characters, accepts exactly 4096', () => {
    const at = `${DID}/${'a'.repeat(4096 - DID.length - 1)}`
    expect(at).toHaveLength(4096)
    expect(parseDidUrl(at).path).toHaveLength(4096 - DID.length)
    expectInvalidDidUrl(() => parseDidUrl(`${at}a`), 'a DID URL may be at most 4096 characters, got 4097')
    // The length check comes before anything else, even for garbage.
    expectInvalidDidUrl(() => parseDidUrl(' '.repeat(5000)), 'got 5000')
  })

  it('reports a bad DID part as InvalidDidError, not InvalidDidUrlError', () => {
    const err = expectInvalidDid(() => parseDidUrl(`did:grid:SGCC:${SUFFIX}/path?x=1#f`), 'the network must be')
    expect(err).not.toBeInstanceOf(InvalidDidUrlError)
    expectInvalidDid(() => parseDidUrl(`${DID};service=x`), 'the suffix must be 52 characters')
    expectInvalidDid(() => parseDidUrl(`${DID}:extra/path`), 'got 5')
    expectInvalidDid(() => parseDidUrl('/path'), 'got 1')
  })

  it('rejects a bad path character or %-escape', () => {
    const msg = 'the path has a character outside RFC 3986 or a bad %-escape'
    for (const path of ['/a b', '/a<b', '/ä', '/a%', '/a%2', '/a%zz', '/a%g0', '/%%41', '/a\\b', '/a[b]', '/a|b']) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}${path}`), msg)
    }
  })

  it('rejects a bad query character or %-escape', () => {
    const msg = 'the query has a character outside RFC 3986 or a bad %-escape'
    for (const query of ['a=b c', 'a=%', 'a=%4', 'a=%4G', 'a={}', 'a="b"', 'a=ü', 'a=[1]']) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}?${query}`), msg)
    }
  })

  it('rejects a bad fragment character or %-escape', () => {
    const msg = 'the fragment has a character outside RFC 3986 or a bad %-escape'
    for (const fragment of ['a b', 'a%', 'a%x1', 'a#b', 'key^1', 'kéy', 'a`b']) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}#${fragment}`), msg)
    }
  })

  it('checks the fragment before the query and the query before the path', () => {
    expectInvalidDidUrl(() => parseDidUrl(`${DID}/a b?c d#e f`), 'the fragment has')
    expectInvalidDidUrl(() => parseDidUrl(`${DID}/a b?c d#ef`), 'the query has')
  })

  it('rejects an empty fragment', () => {
    expectInvalidDidUrl(() => parseDidUrl(`${DID}#`), 'the fragment is empty')
    expectInvalidDidUrl(() => parseDidUrl(`${DID}/p?q=1#`), 'the fragment is empty')
  })

  it('rejects a duplicate parameter, also when it differs only in %-encoding', () => {
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?a=1&a=2`), 'the query parameter "a" appears more than once')
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?a=1&%61=1`), 'the query parameter "a" appears more than once')
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?flag&flag`), 'the query parameter "flag" appears more than once')
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?versionId=1&versionId=1`), 'the query parameter "versionId" appears more than once')
    const long = 'n'.repeat(60)
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?${long}=1&${long}=2`), `"${'n'.repeat(40)}…" appears more than once`)
  })

  it('rejects an empty parameter name', () => {
    const msg = 'a query parameter has an empty name'
    for (const query of ['=x', 'a=1&&b=2', 'a=1&', '&a=1', '&', '=']) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}?${query}`), msg)
    }
  })

  it('rejects a versionId that is not a positive integer without leading zeros', () => {
    const msg = 'versionId must be a positive integer without leading zeros'
    for (const v of ['0', '01', '00', 'x', '', '-1', '+1', '1.0', '1e3', '%201', '12345678901234567']) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}?versionId=${v}`), msg)
    }
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?versionId`), msg)
  })

  it('rejects a versionTime that is not a whole-second UTC timestamp or not a real date', () => {
    expectInvalidDidUrl(
      () => parseDidUrl(`${DID}?versionTime=2026-02-30T00:00:00Z`),
      'versionTime 2026-02-30T00:00:00Z is not a valid date and time',
    )
    const shape = 'versionTime must be a UTC timestamp like 2026-01-31T08:00:00Z'
    for (const t of [
      '2026-01-01T00:00:00.5Z',
      '2026-01-01T00:00:00+08:00',
      '2026-01-01T00:00:00%2B08:00',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '',
    ]) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}?versionTime=${t}`), shape)
    }
  })

  it('rejects versionId together with versionTime', () => {
    expectInvalidDidUrl(
      () => parseDidUrl(`${DID}?versionId=1&versionTime=2026-01-01T00:00:00Z`),
      'versionId and versionTime cannot both be given',
    )
  })

  it('rejects a service parameter that is not a service id', () => {
    const msg = 'service must be a service id: 1-64 characters A-Z a-z 0-9 _ -'
    for (const s of ['', 'a.b', 'a%20b', '%23files', 'a:b', 's'.repeat(65), '%C3%A4']) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}?service=${s}`), msg)
    }
  })

  it('rejects relativeRef without service', () => {
    expectInvalidDidUrl(() => parseDidUrl(`${DID}?relativeRef=%2Fx`), 'relativeRef needs a service parameter')
  })

  it('rejects a %-sequence that is not UTF-8 in a parameter name or value, keeping the URIError as cause', () => {
    const msg = 'a query parameter is not valid UTF-8 after %-decoding'
    for (const query of ['a=%C3%28', '%C3%28=1', 'a=%FF', 'a=%ED%A0%80' /* encoded surrogate */, 'a=%C3']) {
      const err = expectInvalidDidUrl(() => parseDidUrl(`${DID}?${query}`), msg)
      expect(err.cause).toBeInstanceOf(URIError)
    }
  })

  it('does not decode path and fragment, so non-UTF-8 escapes are kept verbatim there', () => {
    expect(parseDidUrl(`${DID}/%C3%28`).path).toBe('/%C3%28')
    expect(parseDidUrl(`${DID}#%C3%28`).fragment).toBe('%C3%28')
  })
})

// ---------------------------------------------------------------------------------------------
// parseVersionTime
// ---------------------------------------------------------------------------------------------

describe('parseVersionTime', () => {
  it('returns Unix seconds', () => {
    expect(parseVersionTime('2026-01-01T00:00:00Z')).toBe(1767225600)
    expect(parseVersionTime('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1) / 1000)
    expect(parseVersionTime('2026-01-31T08:00:00Z')).toBe(Date.UTC(2026, 0, 31, 8, 0, 0) / 1000)
    expect(parseVersionTime('1970-01-01T00:00:00Z')).toBe(0)
    expect(parseVersionTime('1969-12-31T23:59:59Z')).toBe(-1)
    expect(parseVersionTime('9999-12-31T23:59:59Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59) / 1000)
  })

  it('accepts the leap day 2028-02-29 and rejects 2027-02-29', () => {
    expect(parseVersionTime('2028-02-29T12:34:56Z')).toBe(Date.UTC(2028, 1, 29, 12, 34, 56) / 1000)
    expect(parseVersionTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29) / 1000)
    expectInvalidDidUrl(() => parseVersionTime('2027-02-29T00:00:00Z'), 'versionTime 2027-02-29T00:00:00Z is not a valid date and time')
    expectInvalidDidUrl(() => parseVersionTime('2100-02-29T00:00:00Z'), 'is not a valid date and time')
  })

  it('rejects out-of-range fields', () => {
    for (const t of [
      '2026-01-01T24:00:00Z',
      '2026-01-31T24:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z', // no leap seconds
      '2026-00-01T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-32T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-02-30T00:00:00Z',
    ]) {
      expectInvalidDidUrl(() => parseVersionTime(t), `versionTime ${t} is not a valid date and time`)
    }
  })

  it('rejects anything but YYYY-MM-DDTHH:MM:SSZ', () => {
    const msg = 'versionTime must be a UTC timestamp like 2026-01-31T08:00:00Z'
    for (const t of [
      '',
      '2026-01-01T00:00:00.5Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00+08:00',
      '2026-01-01T00:00:00+00:00',
      '2026-01-01T00:00:00',
      '2026-01-01 00:00:00Z',
      '2026-01-01t00:00:00z',
      '2026-1-01T00:00:00Z',
      '26-01-01T00:00:00Z',
      '+02026-01-01T00:00:00Z',
      ' 2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z\n',
      '２０２６-01-01T00:00:00Z', // fullwidth digits
      '٢٠٢٦-01-01T00:00:00Z', // Arabic-Indic digits
      '1767225600',
    ]) {
      expectInvalidDidUrl(() => parseVersionTime(t), msg)
    }
  })

  it('agrees with Date for every whole-second instant in years 0100-9999', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        const text = d.toISOString().replace(/\.\d{3}Z$/, 'Z')
        expect(parseVersionTime(text)).toBe(Math.floor(d.getTime() / 1000))
      }),
      { numRuns: 1000 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// isNetworkName / isFragmentId
// ---------------------------------------------------------------------------------------------

describe('isNetworkName', () => {
  it('accepts 1-16 characters a-z0-9 starting with a letter', () => {
    for (const n of ['a', 'sgcc', 'net2026', 'a234567890123456', 'z9']) expect(isNetworkName(n), n).toBe(true)
  })

  it('rejects everything else', () => {
    for (const n of ['', 'A', 'Sgcc', '9a', '0', 'a2345678901234567', 'a-b', 'a_b', 'a b', 'a:b', 'sgcc\n', 'аbc' /* Cyrillic а */, 'ａ']) {
      expect(isNetworkName(n), JSON.stringify(n)).toBe(false)
    }
  })

  it('agrees with parseDid on arbitrary network strings', () => {
    fc.assert(
      fc.property(fc.oneof(networkArb, fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 })), (network) => {
        const viaParse = (() => {
          try {
            parseDid(`did:grid:${network}:${SUFFIX}`)
            return true
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidDidError)
            return false
          }
        })()
        expect(isNetworkName(network)).toBe(viaParse)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('isFragmentId', () => {
  it('accepts 1-64 characters A-Z a-z 0-9 _ -', () => {
    for (const id of ['a', 'key-1', 'KEY_1', '_', '-', 'x'.repeat(64)]) expect(isFragmentId(id), id).toBe(true)
  })

  it('rejects everything else', () => {
    for (const id of ['', 'x'.repeat(65), '#key-1', 'key.1', 'key 1', 'kéy', 'key%201', 'a/b', 'key-1\n']) {
      expect(isFragmentId(id), JSON.stringify(id)).toBe(false)
    }
  })

  it('agrees with the service-parameter check of parseDidUrl', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.~-]{0,70}$/), (id) => {
        let ok = true
        try {
          parseDidUrl(`${DID}?service=${id}`)
        } catch (err) {
          expectThrows(
            () => {
              throw err
            },
            InvalidDidUrlError,
            INVALID_DID_URL,
            'service must be a service id',
          )
          ok = false
        }
        expect(isFragmentId(id)).toBe(ok)
      }),
      { numRuns: 500 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Property-based tests
// ---------------------------------------------------------------------------------------------

describe('property: arbitrary input never escapes the error contract', () => {
  // Random strings, plus random strings glued to plausible prefixes so the later checks are reached.
  const anyStringArb = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: 'binary-ascii', maxLength: 80 }),
    fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)), maxLength: 4 }),
    fc
      .tuple(
        fc.constantFrom('did:', 'did:grid:', 'did:grid:sgcc:', `${DID}`, `${DID}/`, `${DID}?`, `${DID}#`),
        fc.string({ unit: 'binary-ascii', maxLength: 60 }),
      )
      .map(([a, b]) => a + b),
    fc
      .tuple(validDidArb, fc.string({ unit: fc.constantFrom(...PCHAR, '/', '?', '#', '%', '&', '=', ' ', 'é'), maxLength: 40 }))
      .map(([d, tail]) => d.did + tail),
  )

  it('parseDid returns a consistent value or throws InvalidDidError', () => {
    fc.assert(
      fc.property(anyStringArb, (input) => {
        let result
        try {
          result = parseDid(input)
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidDidError)
          expect((err as InvalidDidError).code).toBe(INVALID_DID)
          expect((err as Error).message).toMatch(DID_MESSAGE)
          return
        }
        expect(result.did).toBe(input)
        expect(formatDid(result.network, result.suffix)).toBe(input)
      }),
      { numRuns: 2000 },
    )
  })

  it('parseDidUrl returns a consistent value or throws InvalidDidError / InvalidDidUrlError', () => {
    fc.assert(
      fc.property(anyStringArb, (input) => {
        let result
        try {
          result = parseDidUrl(input)
        } catch (err) {
          if (err instanceof InvalidDidUrlError) {
            expect(err.code).toBe(INVALID_DID_URL)
            expect(err.message).toMatch(DID_URL_MESSAGE)
          } else {
            expect(err).toBeInstanceOf(InvalidDidError)
            expect((err as InvalidDidError).code).toBe(INVALID_DID)
            expect((err as Error).message).toMatch(DID_MESSAGE)
          }
          return
        }
        expect(result.didUrl).toBe(input)
        expect(reassemble(result)).toBe(input)
        expect(parseDid(result.did).did).toBe(result.did)
        expect(result.method).toBe('grid')
        expect(result.id).toBe(`${result.network}:${result.suffix}`)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('property: generated valid DIDs and DID URLs', () => {
  it('valid DIDs parse and round-trip through formatDid', () => {
    fc.assert(
      fc.property(validDidArb, ({ network, suffix, did }) => {
        expect(parseDid(did)).toStrictEqual({ did, network, suffix })
        expect(formatDid(network, suffix)).toBe(did)
        expect(isNetworkName(network)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('valid DID URLs parse into exactly their parts', () => {
    fc.assert(
      fc.property(
        validDidArb,
        fc.option(pathArb, { nil: undefined }),
        fc.option(queryArb, { nil: undefined }),
        fc.option(fragmentArb, { nil: undefined }),
        ({ network, suffix, did }, path, query, fragment) => {
          const didUrl = did + (path ?? '') + (query ? `?${query.query}` : '') + (fragment !== undefined ? `#${fragment}` : '')
          const expected: GridDidUrl = { did, didUrl, method: 'grid', id: `${network}:${suffix}`, network, suffix }
          if (path !== undefined) expected.path = path
          if (query !== undefined) {
            expected.query = query.query
            expected.params = query.params
          }
          if (fragment !== undefined) expected.fragment = fragment
          const actual = parseDidUrl(didUrl)
          // Normalise the params prototype (an empty query yields a null-prototype object, see
          // "known defects"); keys and values are still compared strictly.
          if (actual.params) actual.params = { ...actual.params }
          expect(actual).toStrictEqual(expected)
        },
      ),
      { numRuns: 1000 },
    )
  })
})

describe('property: adversarial mutations of a valid DID are rejected by parseDid', () => {
  const check = (mutated: string) => {
    expectInvalidDid(() => parseDid(mutated), DID_MESSAGE)
  }
  /** Index ranges of the parts of `did:grid:<network>:<suffix>`. */
  const layout = (network: string) => {
    const networkStart = 'did:grid:'.length
    const suffixStart = networkStart + network.length + 1
    return { networkStart, networkEnd: networkStart + network.length, suffixStart, suffixEnd: suffixStart + SUFFIX_LENGTH }
  }

  it('uppercasing any one letter', () => {
    // Only positions holding a lowercase letter are chosen: uppercasing a digit or ':' is a no-op.
    // Every part is case-sensitive ("did", "grid", network [a-z0-9], suffix [a-z2-7]), so an
    // uppercase letter anywhere is invalid.
    fc.assert(
      fc.property(validDidArb, fc.nat(), ({ did }, n) => {
        const letters = [...did].flatMap((c, i) => (/[a-z]/.test(c) ? [i] : []))
        const i = letters[n % letters.length]!
        check(did.slice(0, i) + did[i]!.toUpperCase() + did.slice(i + 1))
      }),
      { numRuns: 1000 },
    )
  })

  it('inserting one character outside [a-z0-9] anywhere', () => {
    // ':' adds a fifth part; any other non-[a-z0-9] character breaks "did"/"grid", is outside the
    // network alphabet, or makes the suffix 53 characters (and non-base32). Characters in [a-z0-9]
    // are excluded because inserting one into a short network can give another valid DID.
    const charArb = fc
      .oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
        fc.constantFrom(':', ...homoglyphs, ...whitespaceOrNul),
      )
      .filter((c) => !/^[a-z0-9]$/.test(c))
    fc.assert(
      fc.property(validDidArb, fc.nat(), charArb, ({ did }, n, c) => {
        const i = n % (did.length + 1)
        check(did.slice(0, i) + c + did.slice(i))
      }),
      { numRuns: 1500 },
    )
  })

  it('deleting one character outside the network', () => {
    // Deleting from "did"/"grid" breaks them, deleting a ':' leaves 3 parts, deleting from the
    // suffix leaves 51 characters. Deleting from the network is excluded: "sgcc" -> "sgc" is valid.
    fc.assert(
      fc.property(validDidArb, fc.nat(), ({ did, network }, n) => {
        const { networkStart, networkEnd } = layout(network)
        const positions = [...Array(did.length).keys()].filter((i) => i < networkStart || i >= networkEnd)
        const i = positions[n % positions.length]!
        check(did.slice(0, i) + did.slice(i + 1))
      }),
      { numRuns: 1000 },
    )
  })

  it('replacing one character with one not allowed at that position', () => {
    // "did", "grid" and the ':' separators only allow their own character; the network allows
    // [a-z0-9] (we exclude that whole set even for the first position); suffix positions 0-50
    // allow [a-z2-7], position 51 allows only 'a'/'q'. Anything else is guaranteed invalid.
    const charArb = fc.oneof(
      fc.constantFrom(...LOWER, ...DIGITS, ':', 'A', 'Z', '=', '-', '/', ...homoglyphs, ...whitespaceOrNul),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    )
    fc.assert(
      fc.property(
        validDidArb.chain((v) => fc.tuple(fc.constant(v), fc.nat(v.did.length - 1), charArb)),
        ([{ did, network }, i, c]) => {
          const { networkStart, networkEnd, suffixStart } = layout(network)
          const allowed =
            i < networkStart || (i >= networkEnd && i < suffixStart)
              ? c === did[i]
              : i < networkEnd
                ? /^[a-z0-9]$/.test(c)
                : i < suffixStart + SUFFIX_LENGTH - 1
                  ? /^[a-z2-7]$/.test(c)
                  : c === 'a' || c === 'q'
          fc.pre(!allowed)
          check(did.slice(0, i) + c + did.slice(i + 1))
        },
      ),
      { numRuns: 1500 },
    )
  })

  it('replacing a letter with a Unicode homoglyph or fullwidth form', () => {
    const lookalike: Record<string, string> = { a: 'а', e: 'е', o: 'о', i: 'і', g: 'ɡ', d: 'ｄ', r: 'ｒ', c: 'с', p: 'р', x: 'х', y: 'у' }
    fc.assert(
      fc.property(validDidArb, fc.nat(), ({ did }, n) => {
        const spots = [...did].flatMap((c, i) => (lookalike[c] ? [i] : []))
        const i = spots[n % spots.length]!
        check(did.slice(0, i) + lookalike[did[i]!]! + did.slice(i + 1))
      }),
      { numRuns: 500 },
    )
  })

  it('adding whitespace, NUL or a trailing colon around the DID', () => {
    fc.assert(
      fc.property(validDidArb, fc.constantFrom(...whitespaceOrNul, ':'), fc.boolean(), ({ did }, c, before) => {
        check(before ? c + did : did + c)
      }),
      { numRuns: 500 },
    )
  })
})

describe('property: parseDidUrl rejects characters never allowed in a DID URL', () => {
  it('a forbidden character after a valid DID throws InvalidDidUrlError (or InvalidDidError inside the DID)', () => {
    const fillerArb = fc.string({ unit: fc.constantFrom(...PCHAR, '/', '?', '#', '%', 'A', '0'), maxLength: 12 })
    fc.assert(
      fc.property(validDidArb, fillerArb, forbiddenCharArb, fillerArb, ({ did }, before, bad, after) => {
        const input = did + before + bad + after
        if (/^[/?#]/.test(before)) {
          // The forbidden character sits in the path, query or fragment; the character checks run
          // before any parameter check, so the message always names RFC 3986.
          expectInvalidDidUrl(() => parseDidUrl(input), /the (path|query|fragment) has a character outside RFC 3986/)
        } else {
          // Nothing separates the tail from the suffix: the DID part itself is malformed.
          expectInvalidDid(() => parseDidUrl(input), /the suffix must be 52 characters|4 colon-separated parts/)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('a "%" not followed by two hex digits in path, query or fragment throws InvalidDidUrlError', () => {
    const notHexArb = fc.oneof(
      fc.constant(''),
      fc.constantFrom('g', 'G', 'z', '%', '/', '-', ' '),
      fc.tuple(fc.constantFrom(...HEX), fc.constantFrom('', 'g', 'x', '%', '-')).map(([a, b]) => a + b),
    )
    fc.assert(
      fc.property(validDidArb, fc.constantFrom('/', '?a=', '#', '/p?x#'), notHexArb, ({ did }, sep, tail) => {
        expectInvalidDidUrl(() => parseDidUrl(`${did}${sep}%${tail}`), 'outside RFC 3986 or a bad %-escape')
      }),
      { numRuns: 500 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Former defects found by these tests, kept as regression tests.
// ---------------------------------------------------------------------------------------------

describe('regressions', () => {
  // isNetworkName/isFragmentId use RegExp#test, which coerces its argument to a string:
  // undefined -> "undefined" and null -> "null" are valid network names and fragment ids.
  it('isNetworkName / isFragmentId throw TypeError for a non-string (today: true for undefined and null)', () => {
    expect(() => isNetworkName(undefined as unknown as string)).toThrow(TypeError)
    expect(() => isNetworkName(null as unknown as string)).toThrow(TypeError)
    expect(() => isFragmentId(undefined as unknown as string)).toThrow(TypeError)
  })

  // formatDid interpolates its arguments into a template string before parseDid's type check.
  it('formatDid throws TypeError for a non-string network (today: returns did:grid:undefined:…)', () => {
    expect(() => formatDid(undefined as unknown as string, SUFFIX)).toThrow(TypeError)
  })

  // parseVersionTime passes its argument straight to RegExp#exec.
  it('parseVersionTime throws TypeError for a non-string (today: InvalidDidUrlError)', () => {
    expect(() => parseVersionTime(1767225600 as unknown as string)).toThrow(TypeError)
  })

  // parseParams returns its Object.create(null) accumulator as-is for an empty query, but a spread
  // copy (Object.prototype) otherwise, so `params.hasOwnProperty` / `String(params)` work for
  // `did?a=1` but throw for `did?`.
  it('params has the same (Object.prototype) shape for an empty query (today: null prototype)', () => {
    expect(Object.getPrototypeOf(parseDidUrl(`${DID}?a=1`).params)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(parseDidUrl(`${DID}?`).params)).toBe(Object.prototype)
  })

  // Date.UTC maps years 0-99 to 1900-1999, so real dates in years 0001-0099 fail the round-trip check.
  it('parseVersionTime accepts years 0001-0099 (today: "not a valid date and time")', () => {
    const d = new Date(0)
    d.setUTCFullYear(99, 5, 15)
    expect(parseVersionTime('0099-06-15T00:00:00Z')).toBe(d.getTime() / 1000)
  })

  it('refuses a relativeRef with a scheme or an authority', () => {
    // Includes forms a WHATWG URL parser would rewrite into an authority or a scheme.
    for (const ref of [
      'https%3A%2F%2Fevil.example',
      '%2F%2Fevil.example%2Fx',
      'javascript%3Aalert(1)',
      '%5C%5Cevil.example%2Fx',
      '%2F%5Cevil.example',
      '%2F%09%2Fevil.example',
      '%09https%3A%2F%2Fevil.example%2F',
      '%0Ajavascript%3Aalert(1)',
      'a%20b',
    ]) {
      expectInvalidDidUrl(() => parseDidUrl(`${DID}?service=files&relativeRef=${ref}`), 'relativeRef must be a relative reference')
    }
    expect(parseDidUrl(`${DID}?service=files&relativeRef=docs%2Fa%3Ab`).params?.relativeRef).toBe('docs/a:b')
  })

  it('parseVersionId is the one versionId rule for DID URLs and resolution options', () => {
    expect(parseVersionId('1')).toBe(1)
    expect(parseVersionId('999999999999999')).toBe(999_999_999_999_999)
    for (const bad of ['0', '01', '-1', '1.0', '9999999999999999', '']) {
      expectInvalidDidUrl(() => parseVersionId(bad), 'versionId must be a positive integer without leading zeros')
    }
    expect(() => parseVersionId(2 as unknown as string)).toThrow(TypeError)
    expect(() => parseVersionId(2 as unknown as string)).toThrow('versionId must be a string')
  })
})
