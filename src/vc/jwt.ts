import type { Signer } from 'did-jwt'
import { fromBase64url, toBase64url, utf8Encode } from '../lib/bytes.js'
import type { OperationSigner } from '../method/keys.js'

/** A compact JWS split and parsed, not yet verified. */
export interface DecodedJws {
  header: { alg: string; kid: string; [key: string]: unknown }
  payload: Record<string, unknown>
  signature: Uint8Array
  /** ASCII `header.payload`: what the signature covers. */
  signingInput: Uint8Array
}

/**
 * Splits and parses a compact JWS strictly: three unpadded base64url parts in canonical form (no
 * whitespace or byte-order mark around them), JSON objects for header and payload with no leading
 * byte-order mark and no member name twice, the payload's time claims (`iat`, `nbf`, `exp`) written as
 * integer literals if numbers, `alg: "EdDSA"`, a string `kid`, no `crit`, a 64-byte signature.
 * Returns a message instead of throwing, because the role check reports it as a reason.
 * @internal
 */
export function decodeJws(jws: unknown, maxLength: number): DecodedJws | string {
  if (typeof jws !== 'string') return 'not a string'
  if (jws.length > maxLength) return `longer than ${maxLength} characters`
  if (!COMPACT.test(jws)) return 'not a compact JWS (three base64url parts)'
  const first = jws.indexOf('.')
  const second = jws.indexOf('.', first + 1)
  const header = jsonPart(jws.slice(0, first))
  const payload = jsonPart(jws.slice(first + 1, second), INTEGER_CLAIMS)
  if (typeof header === 'string') return `the header ${header}`
  if (typeof payload === 'string') return `the payload ${payload}`
  if (header.alg !== 'EdDSA') return `alg must be EdDSA, got ${JSON.stringify(header.alg)?.slice(0, 40)}`
  if (header.crit !== undefined) return 'crit is not supported'
  if (typeof header.kid !== 'string' || header.kid.length === 0) return 'the header has no kid'
  const signature = canonical(jws.slice(second + 1))
  if (!signature || signature.length !== 64) return 'the signature is not 64 bytes of canonical base64url'
  return { header: header as DecodedJws['header'], payload, signature, signingInput: utf8Encode(jws.slice(0, second)) }
}

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The bytes of unpadded base64url `part` (alphabet already checked) if it is the one encoding of
 * them: not a length that leaves a lone character, and the unused low bits of the last character
 * zero — so nobody can alter a signed token's text (the same answer as decoding and re-encoding).
 */
function canonical(part: string): Uint8Array | undefined {
  const rest = part.length % 4
  if (rest === 1) return undefined
  const unused = rest === 2 ? 0b1111 : rest === 3 ? 0b11 : 0
  if ((ALPHABET.indexOf(part[part.length - 1]!) & unused) !== 0) return undefined
  try {
    return fromBase64url(part)
  } catch {
    return undefined
  }
}

/**
 * The payload's top-level claims that are integers: `JSON.parse` reads `1798762260.0`, `1.79876226e9`
 * or `1798762260.0000001` as integers, while parsers into integer types in other languages (Go int64,
 * Rust u64, Java long) refuse them, so validators would disagree. Only `-?(0|[1-9][0-9]*)` is accepted.
 */
const INTEGER_CLAIMS: ReadonlySet<string> = new Set(['iat', 'nbf', 'exp'])
const INTEGER_LITERAL = /^-?(0|[1-9][0-9]*)$/
const NONE: ReadonlySet<string> = new Set()

/** Strict UTF-8 (stateless between `decode` calls without `stream`). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A part's JSON object, or why it is not one (a phrase after "the header"/"the payload"). */
function jsonPart(part: string, integers: ReadonlySet<string> = NONE): Record<string, unknown> | string {
  const notJson = 'is not a base64url JSON object'
  const bytes = canonical(part)
  if (!bytes) return notJson
  try {
    // ignoreBOM keeps a byte-order mark in the text instead of silently dropping it: parsers in other
    // languages refuse one, so every implementation must (RFC 8259 §8.1), as operations do.
    const text = UTF8.decode(bytes)
    if (text.startsWith('\uFEFF')) return 'starts with a UTF-8 byte-order mark'
    const value: unknown = JSON.parse(text)
    // Duplicate member names: JSON.parse keeps the last, other parsers the first — refuse them, so
    // every implementation reads the same claims (RFC 7515 §5.2, RFC 7519 §4).
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return notJson
    // Text that is exactly what JSON.stringify makes of its value (as token issuers write it) has no
    // member twice — the value keeps one of each — and writes each number as String(number) does.
    const problem = JSON.stringify(value) === text ? integerProblem(value as Record<string, unknown>, integers) : scan(text, integers)
    if (problem === 'duplicate') return notJson
    if (problem) return `has ${problem.name} written as ${problem.literal.slice(0, 40)}, not as an integer literal`
    return value as Record<string, unknown>
  } catch {
    return notJson
  }
}

/** As {@link scan}, for a value whose text is its `JSON.stringify`: top-level numbers as String(number) writes them. */
function integerProblem(value: Record<string, unknown>, integers: ReadonlySet<string>): { name: string; literal: string } | undefined {
  for (const name of Object.keys(value)) {
    const v = value[name]
    if (typeof v === 'number' && integers.has(name) && !INTEGER_LITERAL.test(String(v))) return { name, literal: String(v) }
  }
  return undefined
}

/**
 * Walks valid JSON `text` once: `'duplicate'` if an object has a member name twice (after unescaping),
 * else the first top-level member named in `integers` whose value is a number not written as an
 * integer literal. Top-level members only: nested objects (`vc`, `vp`) may have members of those names.
 */
function scan(text: string, integers: ReadonlySet<string>): 'duplicate' | { name: string; literal: string } | undefined {
  const stack: (Set<string> | undefined)[] = [] // a Set per open object, undefined per open array
  let expectKey = false
  let member: string | undefined // the top-level member whose value comes next
  const number = /[-+0-9.eE]+/y
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // The text is valid JSON: the string ends at the first quote not escaped by an odd run of backslashes.
      let j = text.indexOf('"', i + 1)
      for (;;) {
        let k = j - 1
        while (text.charCodeAt(k) === BACKSLASH) k--
        if ((j - 1 - k) % 2 === 0) break
        j = text.indexOf('"', j + 1)
      }
      if (expectKey) {
        const raw = text.slice(i + 1, j)
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw
        const names = stack[stack.length - 1]!
        if (names.has(name)) return 'duplicate'
        names.add(name)
        expectKey = false
        member = stack.length === 1 && integers.has(name) ? name : undefined
      } else member = undefined
      i = j
    } else if (c === OPEN_OBJECT) {
      stack.push(new Set())
      expectKey = true
      member = undefined
    } else if (c === OPEN_ARRAY) {
      stack.push(undefined)
      member = undefined
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) stack.pop()
    else if (c === COMMA) expectKey = stack[stack.length - 1] !== undefined
    else if (member !== undefined && (c === MINUS || (c >= ZERO && c <= NINE))) {
      // The text is valid JSON, so the number runs to the next delimiter.
      number.lastIndex = i
      const literal = number.exec(text)![0]
      if (!INTEGER_LITERAL.test(literal)) return { name: member, literal }
      member = undefined
      i += literal.length - 1
    }
  }
  return undefined
}

const [QUOTE, BACKSLASH, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, MINUS, ZERO, NINE] = [...'"\\{}[],-09'].map((c) =>
  c.charCodeAt(0),
) as [number, number, number, number, number, number, number, number, number, number]

/** The payload of a JWT without any verification (for an issuer reading its own credential). */
export function peekPayload(jwt: string): Record<string, unknown> | undefined {
  const parts = typeof jwt === 'string' && COMPACT.test(jwt) ? jwt.split('.') : []
  const payload = parts.length === 3 ? jsonPart(parts[1]!) : undefined
  return typeof payload === 'object' ? payload : undefined
}

/** did-jwt's `Signer` over one of our signers: base64url Ed25519 signature of the UTF-8 input. */
export function didJwtSigner(signer: OperationSigner): Signer {
  return async (data) => toBase64url(await signer.sign(typeof data === 'string' ? utf8Encode(data) : data))
}
