import { describe, expect, it } from 'vitest'
import { AnswerCache } from '../../src/server/answer-cache.js'

const cors = { 'access-control-allow-origin': '*' }
const answer = (text: string) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: text })
/** What an entry of `key` with a body of `n` bytes weighs in the cache. */
const weight = (key: string, n: number) => 2 * key.length + 512 + n

describe('AnswerCache', () => {
  it('keeps replies as sent (CORS headers, body bytes, length) and knows them as its own', () => {
    const cache = new AnswerCache(10, 1 << 20, cors)
    const stored = cache.set('k', 'sgcc', 7, '"7-x"', answer('{}'))
    expect(stored).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', ...cors, 'content-length': '2' },
      body: new TextEncoder().encode('{}'),
    })
    expect(cache.isSent(stored)).toBe(true)
    expect(cache.isSent(answer('{}'))).toBe(false)
    expect(cache.peek('k')).toMatchObject({ network: 'sgcc', height: 7, etag: '"7-x"', reply: stored })
  })

  it('is bounded by entries, least recently used out first', () => {
    const cache = new AnswerCache(2, 1 << 20, cors)
    cache.set('a', 'n', 1, 'a', answer('1'))
    cache.set('b', 'n', 1, 'b', answer('2'))
    cache.touch('a', cache.peek('a')!)
    cache.set('c', 'n', 1, 'c', answer('3'))
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')].map((e) => e?.etag)).toEqual(['a', undefined, 'c'])
  })

  it('is bounded by bytes; an answer larger than the whole budget is returned as it is and not kept', () => {
    const cache = new AnswerCache(10, weight('a', 100) + weight('b', 100), cors)
    cache.set('a', 'n', 1, 'a', answer('x'.repeat(100)))
    cache.set('b', 'n', 1, 'b', answer('x'.repeat(100)))
    cache.set('c', 'n', 1, 'c', answer('x'.repeat(100)))
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')].map((e) => e?.etag)).toEqual([undefined, 'b', 'c'])
    const big = answer('x'.repeat(1_000))
    expect(cache.set('b', 'n', 2, 'b2', big)).toBe(big)
    expect(cache.peek('b')).toBeUndefined()
    expect(cache.peek('c')?.etag).toBe('c')
  })

  it('keeps nothing with maxEntries 0, and refuses bounds that are not non-negative integers', () => {
    const cache = new AnswerCache(0, 1 << 20, cors)
    const a = answer('{}')
    expect(cache.set('k', 'n', 1, 'e', a)).toBe(a)
    expect(cache.peek('k')).toBeUndefined()
    expect(() => new AnswerCache(-1, 1, cors)).toThrow(new RangeError('options.cache.maxEntries must be a non-negative integer'))
    expect(() => new AnswerCache(1, 1.5, cors)).toThrow(new RangeError('options.cache.maxBytes must be a non-negative integer'))
  })
})
