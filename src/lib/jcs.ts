/**
 * Canonical JSON for operations: RFC 8785 (JCS) restricted to the value domain operations use —
 * strings (well-formed UTF-16), booleans, safe integers, arrays and objects. `null`, non-integer
 * and unsafe numbers are outside the domain, so no JCS number-formatting corner can arise.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#canonical-bytes
 */

export type JsonValue = string | number | boolean | JsonValue[] | { [key: string]: JsonValue }

const LONE_SURROGATE = /\p{Surrogate}/u
const MAX_DEPTH = 16

/** Why a value is outside the canonical domain, or undefined when it is inside. */
export function canonicalDomainError(value: unknown): string | undefined {
  return domainWalk(value, 0, { escapes: true, sorted: true })
}

/**
 * `canonicalDomainError(value)`, and when that is undefined whether `canonicalize(value) === text`,
 * in one walk: `value` must be `JSON.parse(text)` and `text` well-formed UTF-16 (decoded from UTF-8).
 * When every object's keys are already in JCS order (as in canonical input), JCS is what the native
 * `JSON.stringify` writes for this domain, so the comparison needs no serialisation in JS.
 * Returns the domain error, or whether the text is canonical.
 * @internal for the operation decoder
 */
export function canonicalVerdict(value: unknown, text: string): string | boolean {
  // Only \u escapes can put a lone surrogate into a parsed string of a well-formed text.
  const state = { escapes: text.includes('\\u'), sorted: true }
  const err = domainWalk(value, 0, state)
  if (err) return err
  return (state.sorted ? JSON.stringify(value) : canonicalize(value as JsonValue)) === text
}

// The domain walk behind canonicalDomainError and canonicalVerdict: the first error in document
// order, noting on the way whether every object's keys are sorted; lone surrogates are looked for
// only when `state.escapes` (a parsed text without \u escapes cannot hold one).
function domainWalk(value: unknown, depth: number, state: { escapes: boolean; sorted: boolean }): string | undefined {
  if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`
  switch (typeof value) {
    case 'string':
      return state.escapes && LONE_SURROGATE.test(value) ? 'string with a lone surrogate' : undefined
    case 'boolean':
      return undefined
    case 'number':
      return Number.isSafeInteger(value) ? undefined : `number ${value} is not a safe integer`
    case 'object': {
      if (value === null) return 'null is not allowed'
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const err = domainWalk(value[i], depth + 1, state)
          if (err) return err
        }
        return undefined
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return 'only plain objects are allowed'
      const keys = Object.keys(value)
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!
        if (state.escapes && LONE_SURROGATE.test(key)) return 'key with a lone surrogate'
        if (i > 0 && !(keys[i - 1]! < key)) state.sorted = false
        const err = domainWalk((value as Record<string, unknown>)[key], depth + 1, state)
        if (err) return err
      }
      return undefined
    }
    default:
      return `${typeof value} is not allowed`
  }
}

/** JCS serialization of a value already known to be in the domain. */
export function canonicalize(value: JsonValue): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value !== 'object') return String(value)
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`
  // Default sort compares UTF-16 code units, which is exactly the JCS key order (RFC 8785 §3.2.3).
  const keys = Object.keys(value).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (i > 0) out += ','
    out += `${JSON.stringify(key)}:${canonicalize(value[key]!)}`
  }
  return `${out}}`
}

/** Freezes a JSON value and everything inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
