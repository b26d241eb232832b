import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { Server as NetServer, connect, type Socket } from 'node:net'
import { Resolver, type DIDResolutionResult } from 'did-resolver'
import { verifyCredential as didJwtVcVerifyCredential } from 'did-jwt-vc'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GridResolver, MemoryLedger, createDid, deactivateDid, type Ledger } from '../../src/index.js'
import { createHandler, serve, type RunningServer } from '../../src/server/node.js'
import { key, newDid, vm } from '../helpers.js'
import { World } from '../vc/world.js'

let running: RunningServer | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

/** did-resolver's method map for did:grid over HTTP: what any DID tool pointed at the endpoint does. */
function httpGrid(base: string) {
  return {
    grid: async (did: string): Promise<DIDResolutionResult> => {
      const res = await fetch(`${base}/1.0/identifiers/${encodeURIComponent(did)}`, { headers: { accept: 'application/did-resolution' } })
      return (await res.json()) as DIDResolutionResult
    },
  }
}

describe('serve(): the endpoint on a real socket (127.0.0.1)', () => {
  it('answers every kind of request, logs one line each, and a credential verifies through it', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    const gone = await createDid({
      network: 'test',
      updateKey: key('g-u'),
      recoveryKey: key('g-r'),
      document: { verificationMethods: [vm('key-1', key('g-s'))] },
    })
    await w.ledger.submit([gone.bytes])
    await w.ledger.submit([(await deactivateDid(await w.resolver.resolveState(gone.did), key('g-r'))).bytes])
    const lines: string[] = []
    running = await serve(createHandler({ resolver: w.resolver, testIdentifiers: [user.did] }), { port: 0, log: (l) => lines.push(l) })
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const statuses = await Promise.all([
      fetch(`${running.url}/1.0/identifiers/${user.did}`),
      fetch(`${running.url}/1.0/identifiers/${user.did}`, {
        headers: { accept: 'application/ld+json;profile="https://w3id.org/did-resolution"' },
      }),
      fetch(`${running.url}/1.0/identifiers/${gone.did}`),
      fetch(`${running.url}/1.0/identifiers/did:grid:test:nope`),
      fetch(`${running.url}/1.0/identifiers/did:grid:test:${'a'.repeat(51)}q`),
      fetch(`${running.url}/1.0/identifiers/${user.did}`, { headers: { accept: 'text/html' } }),
      fetch(`${running.url}/1.0/identifiers/${user.did.replace(':test:', ':elsewhere:')}`),
      fetch(`${running.url}/1.0/methods`),
      fetch(`${running.url}/health`),
    ]).then((rs) => rs.map((r) => r.status))
    expect(statuses).toEqual([200, 200, 410, 400, 404, 406, 501, 200, 200])
    expect(lines).toHaveLength(9)
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z 127\.0\.0\.1 GET \/1\.0\/\S+ \d{3} \d+ \d+\.\dms$/)

    // did-resolver + did-jwt-vc pointed at the endpoint: the same verdict as the library's own resolver.
    const resolver = new Resolver(httpGrid(running.url))
    const verified = await didJwtVcVerifyCredential(jwt, resolver, { proofPurpose: 'assertionMethod', policies: { now: w.now } })
    expect(verified.verified).toBe(true)
    expect(verified.issuer).toBe(w.utility.did)
    const deactivated = await resolver.resolve(gone.did)
    expect(deactivated.didDocumentMetadata.deactivated).toBe(true)
  })

  it('sends Content-Length, answers HEAD without a body, serves fresh answers after an anchoring, and keeps 400 for TRACE', async () => {
    const w = await World.create()
    const did = w.utility.did
    running = await serve(createHandler({ resolver: w.resolver }), { port: 0, log: false })
    const url = `${running.url}/1.0/identifiers/${did}`
    const first = await fetch(url)
    const bytes = new Uint8Array(await first.arrayBuffer())
    expect(first.headers.get('content-length')).toBe(String(bytes.length))
    const again = await fetch(url)
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes)
    const head = await fetch(url, { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, null, ''])
    expect(head.headers.get('etag')).toBe(first.headers.get('etag'))

    const created = await createDid({
      network: 'test',
      updateKey: key('n-u'),
      recoveryKey: key('n-r'),
      document: { verificationMethods: [vm('key-1', key('n-s'))] },
    })
    await w.ledger.submit([created.bytes])
    const moved = await fetch(url)
    expect(moved.headers.get('etag')).not.toBe(first.headers.get('etag'))
    expect(((await moved.json()) as DIDResolutionResult).didDocument?.id).toBe(did)

    const trace = await new Promise<number>((resolve, reject) => {
      httpRequest(url, { method: 'TRACE' }, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
        .on('error', reject)
        .end()
    })
    expect(trace).toBe(400)
  })

  it('refuses an oversized POST body with 413 and keeps serving', async () => {
    const w = await World.create()
    running = await serve(createHandler({ resolver: w.resolver, maxBodyBytes: 1_000 }), { port: 0, log: false })
    const big = await fetch(`${running.url}/1.0/identifiers/${w.utility.did}`, {
      method: 'POST',
      body: JSON.stringify({ versionTime: 'x'.repeat(5_000) }),
      headers: { 'content-type': 'application/json' },
    })
    expect(big.status).toBe(413)
    const ok = await fetch(`${running.url}/1.0/identifiers/${w.utility.did}`, { method: 'POST', body: '{"accept":"application/did+json"}' })
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as { id: string }).id).toBe(w.utility.did)
  })

  it('answers Accept: text/uri-list on a service dereference with the endpoint URI, and refuses a javascript: one (403)', async () => {
    const ledger = new MemoryLedger()
    const { create } = await newDid('svc', {
      verificationMethods: [vm('key-1', key('svc-s'))],
      services: [
        { id: 'dr', type: 'DemandResponse', serviceEndpoint: 'https://dr.example/api/' },
        { id: 'js', type: 'X', serviceEndpoint: 'javascript:alert(1)' },
      ],
    })
    await ledger.submit([create.bytes])
    running = await serve(createHandler({ resolver: new GridResolver({ networks: { test: ledger } }) }), { port: 0, log: false })
    const dr = await fetch(`${running.url}/1.0/identifiers/${create.did}?service=dr`, { headers: { accept: 'text/uri-list' } })
    expect([dr.status, dr.headers.get('content-type'), await dr.text()]).toEqual([200, 'text/uri-list', 'https://dr.example/api/\r\n'])
    const js = await fetch(`${running.url}/1.0/identifiers/${create.did}?service=js`, { headers: { accept: 'text/uri-list' } })
    expect(js.status).toBe(403)
    expect(((await js.json()) as { dereferencingMetadata: { error: string } }).dereferencingMetadata.error).toBe(
      'notAllowedServiceEndpoint',
    )
  })

  it('close() lets an in-flight request finish, then refuses new connections', async () => {
    const w = await World.create()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const inner = createHandler({ resolver: w.resolver })
    running = await serve(
      async (req) => {
        if (new URL(req.url).pathname === '/slow') {
          await gate
          return new Response('done')
        }
        return inner(req)
      },
      { port: 0, log: false, shutdownGraceMs: 2_000 },
    )
    const url = running.url
    const slow = new Promise<string>((resolve, reject) => {
      httpRequest(`${url}/slow`, (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve(text))
      })
        .on('error', reject)
        .end()
    })
    await new Promise((r) => setTimeout(r, 50))
    const closed = running.close()
    running = undefined
    release()
    expect(await slow).toBe('done')
    await closed
    await expect(fetch(`${url}/health`)).rejects.toThrow(/fetch failed/)
  })
})

/**
 * Opens a raw TCP connection to `base`, lets `write` drive it, and collects what the server sends
 * until the connection closes (a reset included: what arrived before it is kept).
 */
function raw(base: string, write: (socket: Socket) => void): Promise<string> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => write(socket))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(text))
  })
}

/** A chunked POST whose body goes `over` bytes past 16 KiB, without its last chunk. */
function chunkedOverLimit(did: string, over = 1_024): (socket: Socket) => void {
  return (socket) => {
    socket.write(`POST /1.0/identifiers/${did} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`)
    for (const size of [4_096, 4_096, 4_096, 4_096, over]) socket.write(`${size.toString(16)}\r\n${'a'.repeat(size)}\r\n`)
  }
}

describe('serve(): no request ends the process (default logger, raw sockets)', () => {
  it('a chunked POST over the 16 KiB limit gets its 413 and a closed connection; the server still answers', async () => {
    const { resolver, did } = await oneDid()
    const log = vi.spyOn(console, 'log')
    try {
      running = await serve(createHandler({ resolver }), { port: 0 })
      const answer = await raw(running.url, chunkedOverLimit(did))
      expect(answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/)
      expect(answer).toMatch(/\r\nconnection: close\r\n/i)
      expect(answer).toContain('"detail":"the request body is larger than 16384 bytes"')
      await stillAnswers(running.url, did)
      expect(log.mock.calls.map(([line]) => String(line))).toEqual([
        expect.stringMatching(new RegExp(`^\\S+Z 127\\.0\\.0\\.1 POST /1\\.0/identifiers/${did} 413 \\d+ \\S+ms$`)),
        expect.stringMatching(new RegExp(`^\\S+Z 127\\.0\\.0\\.1 GET /1\\.0/identifiers/${did} 200 \\d+ \\S+ms$`)),
      ])
    } finally {
      log.mockRestore()
    }
  })

  it('a body cut off mid-way (the client half-closes, or resets) is logged as unanswered; the server still answers', async () => {
    const { resolver, did } = await oneDid()
    const log = vi.spyOn(console, 'log')
    try {
      running = await serve(createHandler({ resolver }), { port: 0 })
      const head = `POST /1.0/identifiers/${did} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"versionId":`
      // Half-closed: node:http itself answers 400 for a message that cannot be complete.
      expect(await raw(running.url, (socket) => socket.end(head))).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
      await stillAnswers(running.url, did)
      expect(await raw(running.url, (socket) => socket.write(head, () => socket.resetAndDestroy()))).toBe('')
      await stillAnswers(running.url, did)
      const lines = log.mock.calls.map(([line]) => String(line))
      expect(lines.filter((l) => / POST /.test(l))).toEqual([
        expect.stringMatching(new RegExp(`^\\S+Z 127\\.0\\.0\\.1 POST /1\\.0/identifiers/${did} - 0 \\S+ms$`)),
        // Reset at once, the connection may be gone before the request is read: no address then.
        expect.stringMatching(new RegExp(`^\\S+Z (127\\.0\\.0\\.1|-) POST /1\\.0/identifiers/${did} - 0 \\S+ms$`)),
      ])
    } finally {
      log.mockRestore()
    }
  })

  it('a connection reset before the answer is ready: the late answer is dropped and logged; the server still answers', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let entered!: () => void
    const waiting = new Promise<void>((r) => (entered = r))
    // The ledger's head read waits for the test: the answer comes only after the client is gone.
    const { resolver, did } = await oneDid((ledger) => ({
      ...ledger,
      read: (suffix, options) => ledger.read(suffix, options),
      head: async () => {
        entered()
        await gate
        return ledger.head()
      },
    }))
    const log = vi.spyOn(console, 'log')
    try {
      running = await serve(createHandler({ resolver }), { port: 0 })
      const accepted = once(running.server, 'connection') as Promise<[Socket]>
      const answer = raw(running.url, async (socket) => {
        socket.write(`GET /1.0/identifiers/${did} HTTP/1.1\r\nHost: x\r\n\r\n`)
        await waiting
        socket.resetAndDestroy()
      })
      const [serverSide] = await accepted
      await new Promise((resolve) => serverSide.once('close', resolve))
      expect(await answer).toBe('')
      release()
      await stillAnswers(running.url, did)
      const lines = log.mock.calls.map(([line]) => String(line))
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^\\S+Z 127\\.0\\.0\\.1 GET /1\\.0/identifiers/${did} - 0 \\S+ms$`)),
        expect.stringMatching(new RegExp(`^\\S+Z 127\\.0\\.0\\.1 GET /1\\.0/identifiers/${did} 200 \\d+ \\S+ms$`)),
      ])
    } finally {
      log.mockRestore()
    }
  })
})

describe('serve(): failures outside the handler end no process either', () => {
  it('a logger that throws: every request is still answered, and nothing is left unhandled', async () => {
    const { resolver, did } = await oneDid()
    let calls = 0
    running = await serve(createHandler({ resolver }), {
      port: 0,
      log: () => {
        calls++
        throw new Error('disk full')
      },
    })
    await stillAnswers(running.url, did)
    await stillAnswers(running.url, did)
    expect(await raw(running.url, chunkedOverLimit(did))).toMatch(/^HTTP\/1\.1 413 /)
    await stillAnswers(running.url, did)
    // Each request: its access line, then the line reporting that failure; both threw.
    expect(calls).toBe(8)
  })

  it('a server error after listening (an accept failure such as EMFILE) is logged, and the server keeps answering', async () => {
    const { resolver, did } = await oneDid()
    const lines: string[] = []
    running = await serve(createHandler({ resolver }), { port: 0, log: (line) => lines.push(line) })
    const err = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' })
    running.server.emit('error', err)
    expect(lines).toEqual([expect.stringMatching(/^\S+Z - server error: accept EMFILE$/)])
    await stillAnswers(running.url, did)
  })
})

describe('serve(): request targets, failures, pipelining and timeouts', () => {
  it('an IPv6 host (:: or ::1) answers as 127.0.0.1 does, through createHandler and through any other handler', async () => {
    const { resolver, did } = await oneDid()
    const inner = createHandler({ resolver })
    // Servers in tests bind 127.0.0.1 only: listen() is pointed there, while serve() is given the IPv6 host.
    const listen = NetServer.prototype.listen
    const spy = vi.spyOn(NetServer.prototype, 'listen').mockImplementation(function (this: NetServer, ...args: unknown[]) {
      return (listen as (...a: unknown[]) => NetServer).call(this, args[0], '127.0.0.1', ...args.slice(2))
    })
    try {
      for (const host of ['::', '::1', '[::1]']) {
        for (const handler of [inner, (req: Request) => inner(req)]) {
          running = await serve(handler, { host, port: 0, log: false })
          const methods = await fetch(`${running.url}/1.0/methods`)
          expect([host, methods.status, await methods.text()]).toEqual([host, 200, '["grid"]'])
          await stillAnswers(running.url, did)
          await running.close()
          running = undefined
        }
      }
    } finally {
      spy.mockRestore()
    }
  })

  it('accepts an absolute-form request target (RFC 9112 §3.2.2): its path and query are served', async () => {
    const { resolver, did } = await oneDid()
    const inner = createHandler({ resolver })
    for (const handler of [inner, (req: Request) => inner(req)]) {
      running = await serve(handler, { port: 0, log: false })
      const ask = (target: string) =>
        raw(running!.url, (socket) => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`))
      const methods = await ask('http://127.0.0.1/1.0/methods')
      expect(methods).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
      expect(methods.endsWith('\r\n\r\n["grid"]')).toBe(true)
      expect(await ask(`http://elsewhere.example:8080/1.0/identifiers/${did}?versionId=1`)).toMatch(
        new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*"id":"${did}"`),
      )
      await running.close()
      running = undefined
    }
  })

  it('a handler that fails is answered 500 (problem details) and its failure logged; a malformed request stays 400', async () => {
    const lines: string[] = []
    running = await serve(
      async () => {
        throw new Error('database down')
      },
      { port: 0, log: (l) => lines.push(l) },
    )
    const res = await fetch(`${running.url}/1.0/methods`)
    expect([res.status, res.headers.get('content-type')]).toEqual([500, 'application/problem+json'])
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'the request could not be answered',
    })
    expect(lines).toEqual([
      expect.stringMatching(/^\S+Z 127\.0\.0\.1 GET \/1\.0\/methods failed: database down$/),
      expect.stringMatching(/^\S+Z 127\.0\.0\.1 GET \/1\.0\/methods 500 \d+ \S+ms$/),
    ])
    // TRACE: undici refuses to build the Request, the client's fault.
    const trace = await raw(running.url, (socket) => socket.write('TRACE /1.0/methods HTTP/1.1\r\nHost: x\r\n\r\n'))
    expect(trace).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(lines.at(-1)).toMatch(/^\S+Z 127\.0\.0\.1 TRACE \/1\.0\/methods 400 \d+ \S+ms$/)
  })

  it('logs both of two pipelined requests with their status and size (neither client is gone)', async () => {
    const { resolver } = await oneDid()
    const lines: string[] = []
    running = await serve(createHandler({ resolver }), { port: 0, log: (l) => lines.push(l) })
    const answers = await raw(running.url, (socket) =>
      socket.write('GET /1.0/methods HTTP/1.1\r\nHost: x\r\n\r\nGET /1.0/traits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    )
    expect(answers.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200'])
    expect(lines).toEqual([
      expect.stringMatching(/^\S+Z 127\.0\.0\.1 GET \/1\.0\/methods 200 8 \S+ms$/),
      expect.stringMatching(/^\S+Z 127\.0\.0\.1 GET \/1\.0\/traits 200 [1-9]\d* \S+ms$/),
    ])
  })

  // The bound is the test's own time limit, far above the 1 s asked for: what is asserted is the 408.
  it('closes a connection whose headers never finish with 408 once headersTimeoutMs has passed', { timeout: 20_000 }, async () => {
    const { resolver, did } = await oneDid()
    running = await serve(createHandler({ resolver }), { port: 0, log: false, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 })
    const answer = await raw(running.url, (socket) => {
      socket.write('GET /1.0/methods HTTP/1.1\r\nHost: x\r\n')
      // A header line every 200 ms, never the blank line that ends them (slowloris).
      let n = 0
      const drip = setInterval(() => socket.write(`X-Drip-${n++}: 1\r\n`), 200)
      socket.on('close', () => clearInterval(drip))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    await stillAnswers(running.url, did)
  })

  it('refuses a headersTimeoutMs above requestTimeoutMs, and lowers the default headers timeout to a lower requestTimeoutMs', async () => {
    const { resolver } = await oneDid()
    await expect(
      serve(createHandler({ resolver }), { port: 0, log: false, headersTimeoutMs: 5_000, requestTimeoutMs: 2_000 }),
    ).rejects.toThrow(new RangeError('options.headersTimeoutMs (5000) must be at most options.requestTimeoutMs (2000)'))
    running = await serve(createHandler({ resolver }), { port: 0, log: false, requestTimeoutMs: 2_000 })
    expect([running.server.headersTimeout, running.server.requestTimeout]).toEqual([2_000, 2_000])
  })
})

/** A memory ledger with one DID, and a resolver over it (through `wrap` when given). */
async function oneDid(wrap?: (ledger: Ledger) => Ledger): Promise<{ resolver: GridResolver; did: string }> {
  const ledger = new MemoryLedger()
  const { create } = await newDid('serve')
  await ledger.submit([create.bytes])
  const wrapped: Ledger = wrap
    ? wrap({
        submit: (ops) => ledger.submit(ops),
        read: (suffix, options) => ledger.read(suffix, options),
        head: () => ledger.head(),
        batch: (h) => ledger.batch(h),
        close: () => ledger.close(),
      })
    : ledger
  return { resolver: new GridResolver({ networks: { test: wrapped } }), did: create.did }
}

/** A GET of `did` through a fresh connection is answered 200 with its document. */
async function stillAnswers(base: string, did: string): Promise<void> {
  const res = await fetch(`${base}/1.0/identifiers/${did}`)
  expect(res.status).toBe(200)
  expect(((await res.json()) as DIDResolutionResult).didDocument?.id).toBe(did)
}
