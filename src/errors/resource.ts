import { GridError } from './grid-error.js'

// A DID-linked resource that is not there, or that concurrent writers kept changing.

/**
 * No DID-linked resource exists at the URL, or none matches the version selector.
 * @example `await resolver.resolveResource(`${did}/resources/missing`)` throws this.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
 */
export class ResourceNotFoundError extends GridError {
  static readonly code = 'ERR_GRID_RESOURCE_NOT_FOUND'
  declare readonly code: typeof ResourceNotFoundError.code

  constructor(url: string, selector?: string) {
    super(ResourceNotFoundError.code, selector ? `${url} has no version matching ${selector}` : `${url} was not found on the ledger`)
  }
}

/**
 * A resource version could not be anchored because other writers kept changing the resource first.
 * Nothing was lost: the ledger holds their versions; retry with the new latest version.
 * @example Two services revoking in the same status list at once may see this after three attempts.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
 */
export class ResourceConflictError extends GridError {
  static readonly code = 'ERR_GRID_RESOURCE_CONFLICT'
  declare readonly code: typeof ResourceConflictError.code

  constructor(url: string) {
    super(ResourceConflictError.code, `${url} changed under concurrent writers; retry`)
  }
}
