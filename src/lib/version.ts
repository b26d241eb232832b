import pkg from '../../package.json' with { type: 'json' }

/**
 * This package's version (package.json's `version`), bundled at build time: printed by
 * `grid-did --version` and served in the endpoint's `/1.0/properties`.
 * @example `VERSION // '0.1.0'`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export const VERSION: string = pkg.version
