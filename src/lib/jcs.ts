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
export function canonicalDomainError(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`
  switch (typeof value) {
    case 'string':
      return LONE_SURROGATE.test(value) ? 'string with a lone surrogate' : undefined
    case 'boolean':
      return undefined
    case 'number':
      return Number.isSafeInteger(value) ? undefined : `number ${value} is not a safe integer`
    case 'object': {
      if (value === null) return 'null is not allowed'
      if (Array.isArray(value)) {
        for (const item of value) {
          const err = canonicalDomainError(item, depth + 1)
          if (err) return err
        }
        return undefined
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return 'only plain objects are allowed'
      for (const key of Object.keys(value)) {
        if (LONE_SURROGATE.test(key)) return 'key with a lone surrogate'
        const err = canonicalDomainError((value as Record<string, unknown>)[key], depth + 1)
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
