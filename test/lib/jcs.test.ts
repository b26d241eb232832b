import { describe, expect, it } from 'vitest'
import { canonicalDomainError, canonicalVerdict, canonicalize, type JsonValue } from '../../src/lib/jcs.js'

// Random JSON-ish values: every domain corner (null, floats, unsafe and negative zero numbers, lone
// surrogates in strings and keys, depth) and every ordering corner (integer-like keys, which
// JSON.parse hoists, '__proto__', escapes, non-ASCII keys).
const KEYS = ['a', 'b', 'sig', 'type', '0', '1', '9', '10', '01', '__proto__', 'é', '\u{1f600}', 'A', 'a\u0000', '\ud800', 'z"q']
const STRINGS = ['', 'x', 'é', '\u{1f600}', '\ud800', 'a\udc00b', '"\\', '\u0000\n\u001f', '\u2028', 'line']
function randomValue(depth: number): unknown {
  const r = Math.random()
  if (depth > 19 || r < 0.3) return STRINGS[Math.floor(Math.random() * STRINGS.length)]
  if (r < 0.4) return [0, -0, 1, -7, 2 ** 53, 1.5, 1e21, Number.MAX_SAFE_INTEGER][Math.floor(Math.random() * 8)]
  if (r < 0.45) return Math.random() < 0.5
  if (r < 0.47) return null
  if (r < 0.7) return Array.from({ length: Math.floor(Math.random() * 3) }, () => randomValue(depth + 1))
  const obj: Record<string, unknown> = {}
  for (let i = Math.floor(Math.random() * 4); i > 0; i--) {
    Object.defineProperty(obj, KEYS[Math.floor(Math.random() * KEYS.length)]!, {
      value: randomValue(depth + (Math.random() < 0.6 ? 1 : 4)),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return obj
}

function oldVerdict(value: unknown, text: string): string | boolean {
  return canonicalDomainError(value) ?? canonicalize(value as JsonValue) === text
}

describe('lib/jcs canonicalVerdict: one walk, same verdicts and messages as the domain check then canonicalize', () => {
  it('agrees on canonical texts, native serialisations (any key order) and altered texts', () => {
    const seen = { canonical: 0, nonCanonical: 0, domain: 0 }
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(0)
      const texts = [JSON.stringify(value)]
      if (canonicalDomainError(value) === undefined) texts.push(canonicalize(value as JsonValue))
      texts.push(` ${texts[0]}`, texts[0]!.replace('"a"', '"\\u0061"'), texts[0]!.replace('1', '1.0'))
      for (const text of texts) {
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          continue
        }
        const expected = oldVerdict(parsed, text)
        expect(canonicalVerdict(parsed, text)).toBe(expected)
        if (expected === true) seen.canonical++
        else if (expected === false) seen.nonCanonical++
        else seen.domain++
      }
    }
    // The generator reaches all three outcomes, many times each.
    expect(seen.canonical).toBeGreaterThan(1000)
    expect(seen.nonCanonical).toBeGreaterThan(1000)
    expect(seen.domain).toBeGreaterThan(1000)
  })

  it('names the same first domain error (surrogates only reachable through \\u escapes)', () => {
    const cases = [
      '{"a":"\\ud800"}',
      '{"\\udc00":1}',
      '{"a":null}',
      '[1.5]',
      `${'['.repeat(18)}${']'.repeat(18)}`,
      '{"b":1,"a":2}',
      '{"10":1,"9":2}',
    ]
    for (const text of cases) {
      const value = JSON.parse(text)
      expect(canonicalVerdict(value, text)).toBe(oldVerdict(value, text))
    }
    expect(canonicalVerdict(JSON.parse('{"a":"\\ud800"}'), '{"a":"\\ud800"}')).toBe('string with a lone surrogate')
    // Integer-like keys come first from JSON.parse but sort as strings: the slow path decides.
    expect(canonicalVerdict(JSON.parse('{"10":1,"9":2}'), '{"10":1,"9":2}')).toBe(true)
  })
})
