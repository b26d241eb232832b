import { UsageError } from './errors.js'
import { printable } from './printable.js'

/** Commander accumulator for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** A `--port` value: an integer 0–65535 (0 = any free port). */
export function portOption(value: string): number {
  return numberOption(value, '--port', { max: 65_535, integer: true })
}

/**
 * A numeric option, parsed strictly: plain decimal digits with an optional fraction (`500`, `0.5`),
 * nothing else: no sign, blanks, exponent, hex or empty string (which `Number()` would read as 0),
 * and finite. `min` is the least value accepted (`exclusive`: the value must exceed it), `max` the
 * greatest; `integer` refuses a fraction.
 * @throws {UsageError} naming `flag` (exit code 2) for anything else.
 */
export function numberOption(value: string | undefined, flag: string, bounds: { min?: number; exclusive?: boolean; max?: number; integer?: boolean } = {}): number {
  const { min = 0, exclusive = false, max = Number.MAX_SAFE_INTEGER, integer = false } = bounds
  const what = `${integer ? 'an integer' : 'a decimal number'} ${exclusive ? `above ${min}` : `from ${min}`}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`
  const n = Number(value)
  const shape = integer ? /^\d+$/ : /^\d+(\.\d+)?$/
  if (typeof value !== 'string' || !shape.test(value) || !Number.isFinite(n) || n > max || (exclusive ? n <= min : n < min)) {
    throw new UsageError(`${flag} must be ${what}, got "${printable(String(value))}"`)
  }
  return n
}
