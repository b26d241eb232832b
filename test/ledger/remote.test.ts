import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  GridResolver,
  LedgerClosedError,
  LedgerCorruptError,
  LedgerForbiddenError,
  LedgerUnavailableError,
  RemoteLedger,
  foldOperations,
  updateDid,
  type Ledger,
} from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'
import type { Handler } from '../../src/server/handler.js'
import { createHandler, serve } from '../../src/server/node.js'
import { anchored, newDid } from '../helpers.js'
import { ledgerConformance } from './conformance.js'

const root = mkdtempSync(join(tmpdir(), 'grid-did-remote-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** A SqliteLedger served by a real endpoint on 127.0.0.1, and a RemoteLedger reading it. */
async function served(clock?: () => number, wrap: (real: Handler) => Handler = (h) => h, pageSize?: number) {
  const local = new SqliteLedger(join(root, `l${n++}`, 'ledger.db'), { create: true, ...(clock ? { clock } : {}) })
  const handler = createHandler({ resolver: new GridResolver({ networks: { test: local } }), cache: false })
  const running = await serve(wrap(handler), { port: 0, log: false })
  const remote = new RemoteLedger({ url: running.url, network: 'test', ...(pageSize ? { pageSize } : {}) })
  return { local, running, remote }
}

// Pages of 2 operations: every read of more than 2 takes several requests.
ledgerConformance('RemoteLedger (read half, over a served SqliteLedger)', async (clock) => {
  const { local, running, remote } = await served(clock, undefined, 2)
  return {
    ledger: remote,
    writer: {
      submit: (ops) => local.submit(ops),
      close: async () => {
        await running.close()
        await local.close()
      },
    },
  }
})

describe('RemoteLedger', () => {
  let cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup = []
  })
  const open = async (...args: Parameters<typeof served>) => {
    const s = await served(...args)
    cleanup.push(
      () => s.running.close(),
      () => s.local.close(),
      () => s.remote.close(),
    )
    return s
  }
  const expectCode = async (p: Promise<unknown>, cls: new (...a: never[]) => Error, code: string, message?: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(cls)
    expect(err).toMatchObject({ code })
    if (message) expect((err as Error).message).toMatch(message)
  }

  it('refuses to submit: read-only (ERR_GRID_LEDGER_FORBIDDEN), and nothing reaches the served ledger', async () => {
    const { local, remote } = await open()
    const a = await newDid('ro')
    await expectCode(remote.submit([a.create]), LedgerForbiddenError, 'ERR_GRID_LEDGER_FORBIDDEN', /read-only/)
    expect((await local.head()).height).toBe(0)
  })

  it('reads head, batches and logs as the local ledger does', async () => {
    const { local, remote } = await open()
    const a = await newDid('x')
    const b = await newDid('y')
    await local.submit([a.create, b.create])
    expect(await remote.head()).toEqual(await local.head())
    expect(await remote.batch(1)).toEqual(await local.batch(1))
    expect(await remote.read(a.create.suffix)).toEqual(await local.read(a.create.suffix))
  })

  it('an unknown network or a ledger that is down is an outage with the endpoint code, never an empty log', async () => {
    const { local, running } = await open()
    const other = new RemoteLedger({ url: running.url, network: 'nosuch' })
    cleanup.push(() => other.close())
    await expectCode(other.read('a'.repeat(52)), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /404 ERR_GRID_UNKNOWN_NETWORK/)
    await expectCode(other.head(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /404 ERR_GRID_UNKNOWN_NETWORK/)
    const remote = new RemoteLedger({ url: running.url, network: 'test' })
    cleanup.push(() => remote.close())
    await local.close()
    await expectCode(remote.read('a'.repeat(52)), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /503 ERR_GRID_LEDGER_UNAVAILABLE/)
    await expectCode(remote.batch(1), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /503/)
  })

  it('an endpoint that cannot be reached, or is not an operation-log endpoint, is unavailable', async () => {
    const { running } = await open()
    const url = running.url
    await running.close()
    const gone = new RemoteLedger({ url, network: 'test' })
    await expectCode(gone.head(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /cannot be reached/)
    const { remote } = await open(
      undefined,
      () => async () => new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    )
    await expectCode(remote.head(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /without JSON/)
    const { remote: old } = await open(undefined, () => async () => Response.json({ title: 'Not Found' }, { status: 404 }))
    // A 404 without the batch code is a missing route, not a missing batch.
    await expectCode(old.batch(1), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /answered 404/)
  })

  it('refuses pages out of order, out of range, of another key or overfull (ERR_GRID_LEDGER_CORRUPT)', async () => {
    const a = await newDid('bad')
    const state = foldOperations(a.create.did, anchored([a.create])).state!
    const up = await updateDid(state, a.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://a.example'] }] })
    const edit =
      (fn: (page: { key: string; operations: { height: number; position: number }[] }) => void) =>
      (real: Handler) =>
      async (req: Request) => {
        const res = await real(req)
        if (!new URL(req.url).pathname.includes('/log/')) return res
        const page = (await res.json()) as Parameters<typeof fn>[0]
        fn(page)
        return Response.json(page)
      }
    const cases: [string, Parameters<typeof edit>[0], RegExp][] = [
      ['reversed', (p) => p.operations.reverse(), /out of ledger order/],
      ['another key', (p) => (p.key = 'b'.repeat(52)), /not an operation-log page of that key/],
      ['out of range', (p) => (p.operations[0]!.height = 99), /outside the range/],
      ['overfull', (p) => p.operations.push(...p.operations, ...p.operations), /where at most 2 were asked/],
      ['malformed', (p) => ((p.operations[0] as { bytes?: unknown }).bytes = 7), /malformed operation/],
    ]
    for (const [, fn, message] of cases) {
      const { local, remote } = await open(undefined, edit(fn), 2)
      await local.submit([a.create])
      await local.submit([up])
      await expectCode(remote.read(a.create.suffix, { untilHeight: 2 }), LedgerCorruptError, 'ERR_GRID_LEDGER_CORRUPT', message)
    }
  })

  it('a request without an answer ends in an outage after timeoutMs, or in ERR_GRID_LEDGER_CLOSED when closed meanwhile', async () => {
    // A fetch that answers only by failing once its signal aborts.
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(new Error('aborted'))))) as typeof fetch
    const slow = new RemoteLedger({ url: 'http://127.0.0.1:9', network: 'test', timeoutMs: 20, fetch: hanging })
    await expectCode(slow.head(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /no answer within 20 ms/)
    const closing = new RemoteLedger({ url: 'http://127.0.0.1:9', network: 'test', fetch: hanging })
    const pending = closing.read('a'.repeat(52))
    await closing.close()
    await expectCode(pending, LedgerClosedError, 'ERR_GRID_LEDGER_CLOSED')
  })

  it('checks its options and arguments, and fails every call after close', async () => {
    expect(() => new RemoteLedger({ url: 'ftp://x', network: 'test' })).toThrow(TypeError)
    expect(() => new RemoteLedger({ url: 'not a url', network: 'test' })).toThrow(/options.url must be an absolute http\(s\) URL/)
    expect(() => new RemoteLedger({ url: 'http://x', network: '' })).toThrow(/options.network/)
    expect(() => new RemoteLedger({ url: 'http://x', network: 'test', pageSize: 1001 })).toThrow(RangeError)
    expect(() => new RemoteLedger({ url: 'http://x', network: 'test', timeoutMs: 0 })).toThrow(/timeoutMs must be a positive integer/)
    const { remote } = await open()
    await expect(remote.read('a'.repeat(52), { limit: 0 })).rejects.toThrow(/limit must be a positive integer/)
    await remote.close()
    const ledger: Ledger = remote
    await expectCode(ledger.head(), LedgerClosedError, 'ERR_GRID_LEDGER_CLOSED')
    await expectCode(ledger.submit([]), LedgerClosedError, 'ERR_GRID_LEDGER_CLOSED')
  })
})
