import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { readBody, readRequestBody } from '../../src/server/body.js'

const post = (body: string | null, headers: Record<string, string> = {}) => new Request('http://x/', { method: 'POST', body, headers })

/** A `node:http` request as far as readBody sees it: events, and whether it was paused. */
class FakeIncoming extends EventEmitter {
  paused = false
  pause() {
    this.paused = true
    return this
  }
}

describe('readBody', () => {
  it('reads a WHATWG request body as text, or its limit when the declared or the sent length is larger', async () => {
    expect(await readRequestBody(post('{"a":"é"}'), 100)).toBe('{"a":"é"}')
    expect(await readRequestBody(post(null), 100)).toBe('')
    expect(await readRequestBody(post('x'.repeat(101)), 100)).toBe(100)
    expect(await readBody(null, '101', 100)).toBe(100)
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(64)) })
    expect(await readBody(stream, null, 100)).toBe(100)
  })

  it('reads a node:http request by its events, and leaves one that is too large paused and unread', async () => {
    const small = new FakeIncoming()
    const text = readBody(small, undefined, 10)
    small.emit('data', Buffer.from('ab'))
    small.emit('data', Buffer.from('cé'))
    small.emit('end')
    expect(await text).toBe('abcé')
    expect(small.listenerCount('data')).toBe(0)

    const large = new FakeIncoming()
    const refused = readBody(large, undefined, 4)
    large.emit('data', Buffer.from('abcde'))
    expect(await refused).toBe(4)
    expect(large.paused).toBe(true)
    expect(large.listenerCount('data') + large.listenerCount('end') + large.listenerCount('close')).toBe(0)

    const cut = new FakeIncoming()
    const failed = readBody(cut, undefined, 10)
    cut.emit('close')
    await expect(failed).rejects.toThrow('the connection closed before the request body was complete')
    expect(await readBody(new FakeIncoming(), '11', 10)).toBe(10)
  })
})
