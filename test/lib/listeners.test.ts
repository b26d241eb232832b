import { describe, expect, it } from 'vitest'
import { Listeners } from '../../src/lib/listeners.js'

describe('Listeners', () => {
  it('calls each listener once per emit until it unsubscribes', () => {
    const listeners = new Listeners()
    const calls: string[] = []
    const offA = listeners.add(() => calls.push('a'))
    listeners.add(() => calls.push('b'))
    listeners.emit()
    offA()
    listeners.emit()
    expect(calls).toEqual(['a', 'b', 'b'])
  })

  it('refuses a listener that is not a function', () => {
    expect(() => new Listeners().add('x' as never)).toThrow(TypeError)
  })
})
