import type { GridErrorCode } from './codes.js'

/**
 * Base class of every error thrown on purpose by grid-did.
 *
 * @example
 * ```ts
 * try { parseDid(input) } catch (err) {
 *   if (err instanceof GridError && err.code === 'ERR_GRID_INVALID_DID') console.error(err.message)
 * }
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#errors
 */
export class GridError extends Error {
  /** Stable, machine-readable code (`ERR_GRID_…`); a subclass's is its `static code`. */
  readonly code: GridErrorCode

  constructor(code: GridErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}
