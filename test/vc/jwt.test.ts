/**
 * The strict JWS decoder against a plain reference (decode and re-encode every part, walk every JSON
 * text): the fast paths (a canonical-tail check instead of re-encoding, JSON.stringify's text instead
 * of the walk) must give the same answer, message included, on every input.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeJws } from '../../src/vc/jwt.js'

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

/** The decoder as it was written before its fast paths. */
function reference(jws: unknown, maxLength: number): unknown {
  if (typeof jws !== 'string') return 'not a string'
  if (jws.length > maxLength) return `longer than ${maxLength} characters`
  const parts = jws.split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return 'not a compact JWS (three base64url parts)'
  const [h, p, s] = parts as [string, string, string]
  const header = part(h, new Set())
  const payload = part(p, new Set(['iat', 'nbf', 'exp']))
  if (typeof header === 'string') return `the header ${header}`
  if (typeof payload === 'string') return `the payload ${payload}`
  if (header.alg !== 'EdDSA') return `alg must be EdDSA, got ${JSON.stringify(header.alg)?.slice(0, 40)}`
  if (header.crit !== undefined) return 'crit is not supported'
  if (typeof header.kid !== 'string' || header.kid.length === 0) return 'the header has no kid'
  const signature = canonical(s)
  if (!signature || signature.length !== 64) return 'the signature is not 64 bytes of canonical base64url'
  return { header, payload, signature, signingInput: new Uint8Array(Buffer.from(`${h}.${p}`, 'utf8')) }
}

function canonical(text: string): Uint8Array | undefined {
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined
}

function part(text: string, integers: Set<string>): Record<string, unknown> | string {
  const notJson = 'is not a base64url JSON object'
  const bytes = canonical(text)
  if (!bytes) return notJson
  try {
    const json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
    if (json.startsWith('\uFEFF')) return 'starts with a UTF-8 byte-order mark'
    const value: unknown = JSON.parse(json)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return notJson
    const problem = walk(json, integers)
    if (problem === 'duplicate') return notJson
    if (problem) return `has ${problem.name} written as ${problem.literal.slice(0, 40)}, not as an integer literal`
    return value as Record<string, unknown>
  } catch {
    return notJson
  }
}

function walk(text: string, integers: Set<string>): 'duplicate' | { name: string; literal: string } | undefined {
  const stack: (Set<string> | undefined)[] = []
  let expectKey = false
  let member: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      if (expectKey) {
        const name = JSON.parse(text.slice(i, j + 1)) as string
        const names = stack.at(-1)!
        if (names.has(name)) return 'duplicate'
        names.add(name)
        expectKey = false
        member = stack.length === 1 && integers.has(name) ? name : undefined
      } else member = undefined
      i = j
    } else if (c === '{') {
      stack.push(new Set())
      expectKey = true
      member = undefined
    } else if (c === '[') {
      stack.push(undefined)
      member = undefined
    } else if (c === '}' || c === ']') stack.pop()
    else if (c === ',') expectKey = stack.at(-1) !== undefined
    else if (member !== undefined && /[-0-9]/.test(c)) {
      const literal = /[-+0-9.eE]+/y
      literal.lastIndex = i
      const found = literal.exec(text)![0]
      if (!/^-?(0|[1-9][0-9]*)$/.test(found)) return { name: member, literal: found }
      member = undefined
      i += found.length - 1
    }
  }
  return undefined
}

const SIG = Buffer.alloc(64, 7).toString('base64url')
const HEADER = b64(JSON.stringify({ alg: 'EdDSA', kid: 'did:grid:test:x#key-1' }))

/** Payload texts: as JSON.stringify writes them, and edited the ways other writers (or attackers) do. */
const payloadText = fc
  .tuple(
    fc.dictionary(fc.constantFrom('iss', 'a', 'b', '10', 'é', 'x"y', 'k\\'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
    fc.constantFrom('1798762260', '1798762260.0', '1.79876226e9', '-0', '0', '-12', '1e21', '"1"', 'null'),
    fc.constantFrom('stringify', 'spaced', 'duplicate', 'escaped-duplicate', 'nested-duplicate', 'iat-literal', 'bom'),
  )
  .map(([value, literal, form]) => {
    const text = JSON.stringify(value)
    const body = text.slice(1, -1)
    const more = body.length > 0 ? `,${body}` : ''
    switch (form) {
      case 'stringify':
        return text
      case 'spaced':
        return JSON.stringify(value, null, 1)
      case 'duplicate':
        return `{"iss":"a"${more},"iss":"b"}`
      case 'escaped-duplicate':
        return `{"iss":"a"${more},"\\u0069ss":"b"}`
      case 'nested-duplicate':
        return `{"vc":{"a":1,"a":2}${more}}`
      case 'iat-literal':
        return `{"iat":${literal}${more},"nested":{"exp":1.5}}`
      default:
        return `\uFEFF${text}`
    }
  })

describe('decodeJws', () => {
  it('gives the reference answer on payloads written every which way', () => {
    fc.assert(
      fc.property(payloadText, (text) => {
        const jws = `${HEADER}.${b64(text)}.${SIG}`
        expect(decodeJws(jws, 1e6)).toEqual(reference(jws, 1e6))
      }),
      { numRuns: 600 },
    )
  })

  it('gives the reference answer on altered tokens: extra bits in the last character, stray characters, lengths', () => {
    const base = `${HEADER}.${b64(JSON.stringify({ iss: 'did:grid:test:x', iat: 1 }))}.${SIG}`
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. '
    fc.assert(
      fc.property(fc.nat(base.length), fc.constantFrom(...alphabet), fc.constantFrom('replace', 'insert', 'delete'), (at, c, how) => {
        const jws =
          how === 'replace'
            ? base.slice(0, at) + c + base.slice(at + 1)
            : how === 'insert'
              ? base.slice(0, at) + c + base.slice(at)
              : base.slice(0, at) + base.slice(at + 1)
        expect(decodeJws(jws, 1e6)).toEqual(reference(jws, 1e6))
      }),
      { numRuns: 1500 },
    )
  })

  it('refuses a signature whose last character carries bits past the 64 bytes', () => {
    const last = SIG.at(-1)! // 64 bytes: 86 characters, the last one carrying 2 bits and 4 zero bits
    const altered = `${SIG.slice(0, -1)}${String.fromCharCode(last.charCodeAt(0) + 1)}`
    expect(Buffer.from(altered, 'base64url')).toEqual(Buffer.from(SIG, 'base64url'))
    const jws = `${HEADER}.${b64('{"iss":"a"}')}.${altered}`
    expect(decodeJws(jws, 1e6)).toBe('the signature is not 64 bytes of canonical base64url')
    expect(reference(jws, 1e6)).toBe('the signature is not 64 bytes of canonical base64url')
  })
})
