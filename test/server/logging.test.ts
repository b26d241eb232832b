import { afterEach, describe, expect, it } from 'vitest'
import { GridResolver, MemoryLedger } from '../../src/index.js'
import { createHandler, createLogger, serve, type RunningServer } from '../../src/server/node.js'
import { newDid } from '../helpers.js'

let running: RunningServer | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

async function oneDid(): Promise<{ resolver: GridResolver; did: string }> {
  const ledger = new MemoryLedger()
  const { create } = await newDid('logging')
  await ledger.submit([create.bytes])
  return { resolver: new GridResolver({ networks: { test: ledger } }), did: create.did }
}

describe('serve({ log: createLogger() }): structured access log', () => {
  it('writes one JSON line per request: level, time, msg, request id, method, path, route, status, bytes, duration', async () => {
    const { resolver, did } = await oneDid()
    const lines: string[] = []
    running = await serve(createHandler({ resolver }), { port: 0, log: createLogger({ write: (l) => lines.push(l) }) })
    const first = await fetch(`${running.url}/1.0/identifiers/${did}`)
    const given = await fetch(`${running.url}/nowhere`, { headers: { 'x-request-id': 'abc-123' } })
    const bad = await fetch(`${running.url}/health`, { headers: { 'x-request-id': 'has space' } })
    expect([first.status, given.status, bad.status]).toEqual([200, 404, 200])
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true)
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(records).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        msg: 'request',
        requestId: first.headers.get('x-request-id'),
        ip: '127.0.0.1',
        method: 'GET',
        path: `/1.0/identifiers/${did}`,
        route: '/1.0/identifiers/{did}',
        status: 200,
        bytes: Number(first.headers.get('content-length')),
        durationMs: expect.any(Number),
      },
      expect.objectContaining({ msg: 'request', requestId: 'abc-123', route: 'other', status: 404 }),
      // A client's id that is no plain token is replaced by a new one.
      expect.objectContaining({ msg: 'request', requestId: bad.headers.get('x-request-id'), route: '/health', status: 200 }),
    ])
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(given.headers.get('x-request-id')).toBe('abc-123')
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('logs a failing handler at level error with the request id, then its 500', async () => {
    const lines: string[] = []
    running = await serve(
      async () => {
        throw new Error('database down')
      },
      { port: 0, log: createLogger({ write: (l) => lines.push(l) }) },
    )
    const res = await fetch(`${running.url}/1.0/methods`)
    expect(res.status).toBe(500)
    const id = res.headers.get('x-request-id')
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'request failed',
        requestId: id,
        method: 'GET',
        path: '/1.0/methods',
        err: 'database down',
      }),
      expect.objectContaining({ level: 'info', msg: 'request', requestId: id, route: '/1.0/methods', status: 500 }),
    ])
  })

  it('pretty: the access log as the one-line text it always was, other records with their level', async () => {
    const { resolver, did } = await oneDid()
    const lines: string[] = []
    const log = createLogger({ format: 'pretty', write: (l) => lines.push(l) })
    running = await serve(createHandler({ resolver }), { port: 0, log })
    await fetch(`${running.url}/1.0/identifiers/${did}`)
    log.warn({ network: 'test', code: 'ECONNREFUSED' }, 'sync failed')
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^\\S+Z 127\\.0\\.0\\.1 GET /1\\.0/identifiers/${did} 200 \\d+ [\\d.]+ms\\n$`)),
      expect.stringMatching(/^\S+Z WARN sync failed network=test code=ECONNREFUSED\n$/),
    ])
  })

  it('honours the level: debug records are dropped at info, kept at debug', () => {
    const lines: string[] = []
    createLogger({ write: (l) => lines.push(l) }).debug('hidden')
    createLogger({ level: 'debug', write: (l) => lines.push(l) }).debug('shown')
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown'])
  })

  it('a destination that throws ends no process: every request is still answered', async () => {
    const { resolver, did } = await oneDid()
    let calls = 0
    const log = createLogger({
      write: () => {
        calls++
        throw new Error('disk full')
      },
    })
    running = await serve(createHandler({ resolver }), { port: 0, log })
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.url}/1.0/identifiers/${did}`)).status).toBe(200)
    // Each request: its access record, then the record of that failure; both threw.
    expect(calls).toBe(6)
  })

  it('refuses an unknown format with a RangeError', () => {
    expect(() => createLogger({ format: 'xml' as 'json' })).toThrow(new RangeError('options.format must be json or pretty, not xml'))
  })
})

describe('grid-did serve --log-format json (the built binary, in its own process)', () => {
  it('writes JSON access lines on standard error and serves /metrics; an unknown format is refused at start', async () => {
    const { spawn, execFile } = await import('node:child_process')
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.js')
    const home = mkdtempSync(join(tmpdir(), 'grid-did-logging-'))
    // A home with its embedded ledger (empty): serve refuses a home without one.
    const { SqliteLedger } = await import('../../src/ledger/sqlite.js')
    await new SqliteLedger(join(home, 'ledger.db'), { create: true }).close()
    const child = spawn(process.execPath, [bin, '--home', home, 'serve', '--network', 'sgcc', '--port', '0', '--log-format', 'json'])
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          const m = /listening on (\S+)/.exec(c.toString())
          if (m) resolve(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
      })
      expect((await fetch(`${url}/1.0/methods`)).status).toBe(200)
      const metrics = await fetch(`${url}/metrics`)
      expect(metrics.status).toBe(200)
      expect(await metrics.text()).toMatch(/^grid_did_http_requests_total\{route="\/1\.0\/methods",method="GET",status="200"\} 1$/m)
      // The second access line is written before the answer's last byte is read: wait for it.
      while (stderr.split('\n').length < 3) await new Promise((r) => child.stderr.once('data', r))
      const records = stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(records).toEqual([
        expect.objectContaining({ level: 'info', msg: 'request', route: '/1.0/methods', status: 200 }),
        expect.objectContaining({ level: 'info', msg: 'request', route: '/metrics', status: 200 }),
      ])
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
    }
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const run = execFile(
        process.execPath,
        [bin, '--home', home, 'serve', '--network', 'sgcc', '--port', '0', '--log-format', 'xml'],
        (_err, _out, err) => resolve({ code: run.exitCode, stderr: err }),
      )
    })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/--log-format must be one of text, json/)
    rmSync(home, { recursive: true, force: true })
  })
})
