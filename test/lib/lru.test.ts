import { describe, expect, it } from 'vitest'
import { Lru } from '../../src/lib/lru.js'

describe('Lru', () => {
  it('evicts the least recently used entry beyond maxEntries; get refreshes, peek does not', () => {
    const lru = new Lru<string, number>({ maxEntries: 2 })
    lru.set('a', 1).set('b', 2)
    expect(lru.get('a')).toBe(1) // a is now the most recent
    lru.set('c', 3)
    expect([...lru.keys()]).toEqual(['a', 'c'])
    expect(lru.has('b')).toBe(false)
    expect(lru.peek('a')).toBe(1)
    lru.set('d', 4) // a was peeked, not refreshed: it goes
    expect([...lru.keys()]).toEqual(['c', 'd'])
  })

  it('bounds the total weight, refuses a value heavier than the bound alone, and keeps the weight exact on replace and delete', () => {
    const lru = new Lru<string, string>({ maxEntries: 10, maxWeight: 10, weigh: (v) => v.length })
    lru.set('a', 'xxxx').set('b', 'yyyy')
    expect(lru.weight).toBe(8)
    lru.set('c', 'zzzz') // 12 > 10: a goes
    expect([...lru.keys()]).toEqual(['b', 'c'])
    expect(lru.weight).toBe(8)
    lru.set('big', 'x'.repeat(11))
    expect(lru.has('big')).toBe(false)
    expect(lru.size).toBe(2)
    lru.set('b', 'y')
    expect(lru.weight).toBe(5)
    expect(lru.delete('b')).toBe(true)
    expect(lru.delete('b')).toBe(false)
    expect(lru.weight).toBe(4)
    lru.clear()
    expect([lru.size, lru.weight]).toEqual([0, 0])
  })

  it('rejects bounds and weights out of range with RangeError', () => {
    expect(() => new Lru({ maxEntries: 0 })).toThrow(RangeError)
    expect(() => new Lru({ maxEntries: 1.5 })).toThrow(RangeError)
    expect(() => new Lru({ maxEntries: 1, maxWeight: -1 })).toThrow(RangeError)
    const lru = new Lru<string, number>({ maxEntries: 2, weigh: (v) => v })
    expect(() => lru.set('a', -1)).toThrow(RangeError)
    expect(() => lru.set('a', Number.NaN)).toThrow(RangeError)
    expect(lru.size).toBe(0)
  })

  it('keeps the recency order exact when the newest entry is read again and again, deleted, or cleared', () => {
    const lru = new Lru<string, number>({ maxEntries: 3 })
    lru.set('a', 1).set('b', 2).set('c', 3)
    for (let i = 0; i < 3; i++) expect(lru.get('c')).toBe(3)
    expect([...lru.keys()]).toEqual(['a', 'b', 'c'])
    expect(lru.get('a')).toBe(1)
    expect(lru.get('a')).toBe(1)
    expect([...lru.keys()]).toEqual(['b', 'c', 'a'])
    lru.delete('a')
    lru.set('a', 4) // re-added: the newest again
    expect(lru.get('b')).toBe(2)
    expect([...lru.keys()]).toEqual(['c', 'a', 'b'])
    lru.set('d', 5) // evicts c, the least recently used
    expect([...lru.keys()]).toEqual(['a', 'b', 'd'])
    lru.clear()
    lru.set('x', 1).set('y', 2)
    expect(lru.get('x')).toBe(1)
    expect([...lru.keys()]).toEqual(['y', 'x'])
  })
})
