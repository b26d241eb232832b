import { UsageError } from './errors.js'

/** Commander accumulator for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** A `--port` value: an integer 0–65535 (0 = any free port). */
export function portOption(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be 0-65535')
  return port
}
