import { MAX_TIME } from '../lib/time.js'
import { isBinding } from '../vc/binding.js'
import { ROLES, type RoleName } from '../vc/roles.js'
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
export function numberOption(
  value: string | undefined,
  flag: string,
  bounds: { min?: number; exclusive?: boolean; max?: number; integer?: boolean } = {},
): number {
  const { min = 0, exclusive = false, max = Number.MAX_SAFE_INTEGER, integer = false } = bounds
  const what = `${integer ? 'an integer' : 'a decimal number'} ${exclusive ? `above ${min}` : `from ${min}`}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`
  const n = Number(value)
  const shape = integer ? /^\d+$/ : /^\d+(\.\d+)?$/
  if (typeof value !== 'string' || !shape.test(value) || !Number.isFinite(n) || n > max || (exclusive ? n <= min : n < min)) {
    throw new UsageError(`${flag} must be ${what}, got "${printable(String(value))}"`)
  }
  return n
}

/** A flag that must not be empty (`--audience ''`): named here, not as the library's field. */
export function nonEmpty(value: string, flag: string): string {
  if (value === '') throw new UsageError(`${flag} must not be empty`)
  return value
}

/** `--role`: one of the roles. */
export function roleOf(value: string): RoleName {
  if (!(ROLES as readonly string[]).includes(value)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${value}"`)
  return value as RoleName
}

/**
 * A time flag (`--expires`, `--until`, `--at`): an ISO 8601 date (`2027-12-31`, UTC midnight) or a
 * date and time with `Z` or an offset, parsed strictly: every component must be in range for its
 * calendar (no 2027-02-30, 24:00, :60 or +24:00), never rolled over into another date.
 * @throws {UsageError} naming the flag (exit code 2).
 */
export function time(value: string, name: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|([+-])(\d\d):(\d\d)))?$/.exec(value)
  if (!m) throw new UsageError(`${name} must be an ISO 8601 date or date and time with Z or an offset, got "${printable(value)}"`)
  const [year, month, day, hour = 0, minute = 0, second = 0, , , offsetHours = 0, offsetMinutes = 0] = m
    .slice(1)
    .map((c) => (c === undefined ? undefined : Number(c)))
  const lastDay = new Date(0)
  lastDay.setUTCFullYear(year!, month!, 0) // day 0 of the next month (years 0–99 too, unlike Date.UTC)
  const daysInMonth = lastDay.getUTCDate()
  if (
    month! < 1 ||
    month! > 12 ||
    day! < 1 ||
    day! > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    throw new UsageError(`${name} is not a valid date or time: "${value}"`)
  }
  const seconds = Math.floor(Date.parse(value) / 1000)
  if (!(seconds >= 0 && seconds <= MAX_TIME))
    throw new UsageError(`${name} must be from 1970-01-01 to 9999-12-31, got "${printable(value)}"`)
  return seconds
}

/**
 * The end of a validity window (`--expires`, `--until`): a {@link time} in the future, checked here
 * so that the message names the flag typed, not the API's field (`validUntil`).
 * @throws {UsageError} naming the flag (exit code 2).
 */
export function futureTime(value: string, name: string): number {
  const seconds = time(value, name)
  if (seconds <= Math.floor(Date.now() / 1000)) throw new UsageError(`${name} must be in the future, got "${printable(value)}"`)
  return seconds
}

/** `--expires`: the future time it names, or one year from now. */
export function expiry(value: string | undefined): number {
  return value ? futureTime(value, '--expires') : Math.floor(Date.now() / 1000) + 365 * 86_400
}

/** `--binding`: a presentation's binding, `0x` and 64 lowercase hex digits. */
export function bindingOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isBinding(value))
    throw new UsageError('--binding must be 0x and 64 lowercase hex digits (the termsDigest of the terms)')
  return value
}

/** `--gate`: the role gate's address. */
export function gateAddress(value: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new UsageError(`--gate must be a 0x-prefixed 20-byte address, got "${printable(value)}"`)
  return value
}
