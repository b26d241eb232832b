import { describe, expect, it } from 'vitest'
import { GridResolver, MemoryLedger } from '../../src/index.js'
import { ENDPOINT, endpointOf, type Handler } from '../../src/server/endpoint.js'
import { createHandler } from '../../src/server/handler.js'

describe('the endpoint a handler carries', () => {
  it('createHandler makes a handler whose endpoint (handler[ENDPOINT], not enumerable) answers as the handler does', async () => {
    const handler = createHandler({ resolver: new GridResolver({ networks: { sgcc: new MemoryLedger() } }) })
    const endpoint = endpointOf(handler)!
    expect(endpoint).toBe((handler as unknown as Record<typeof ENDPOINT, unknown>)[ENDPOINT])
    expect(Object.keys(handler)).toEqual([])
    expect(ENDPOINT).toBe(Symbol.for('grid-did.server.endpoint'))
    const url = new URL('http://x/1.0/methods')
    const reply = await endpoint({ method: 'GET', url, header: () => null, text: async () => '' })
    const res = await handler(new Request(url))
    expect(reply.status).toBe(res.status)
    expect(reply.headers).toEqual(Object.fromEntries(res.headers))
    expect(new TextDecoder().decode(reply.body!)).toBe(await res.text())
  })

  it('any other handler carries none', () => {
    const plain: Handler = async () => new Response(null)
    expect(endpointOf(plain)).toBeUndefined()
  })
})
