import { describe, expect, it } from 'vitest'
import { DependencyMissingError, GridError } from '../../src/errors.js'

describe('DependencyMissingError', () => {
  it('is a GridError with the stable code, the package it names, and the loader error as cause', () => {
    const cause = new Error("Cannot find module 'viem'")
    const err = new DependencyMissingError('viem', 'viem is not installed: npm install viem', { cause })
    expect(err).toBeInstanceOf(GridError)
    expect(err.name).toBe('DependencyMissingError')
    expect(err.code).toBe('ERR_GRID_DEPENDENCY_MISSING')
    expect(DependencyMissingError.code).toBe('ERR_GRID_DEPENDENCY_MISSING')
    expect(err.dependency).toBe('viem')
    expect(err.message).toBe('viem is not installed: npm install viem')
    expect(err.cause).toBe(cause)
  })
})
