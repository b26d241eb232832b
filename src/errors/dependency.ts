import { GridError } from './grid-error.js'

/**
 * An entry point needs an optional peer dependency that is not installed (or, for the embedded
 * store's native module, installed without its build). The message is one line saying what to install or
 * rebuild; the loader's own error is the `cause`. A setup problem, never an outage.
 * @example `import('grid-did/gate')` without viem rejects with this: `grid-did/gate needs viem: npm install viem@^2.57.1`.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#errors
 */
export class DependencyMissingError extends GridError {
  static readonly code = 'ERR_GRID_DEPENDENCY_MISSING'
  declare readonly code: typeof DependencyMissingError.code

  /** The npm package that is missing or unusable, e.g. `viem`. */
  readonly dependency: string

  constructor(dependency: string, message: string, options?: { cause?: unknown }) {
    super(DependencyMissingError.code, message, options)
    this.dependency = dependency
  }
}
