import { afterEach, describe, expect, it } from 'vitest'
import { GridResolver, MemoryLedger } from '../../src/index.js'
import { createHandler, serve, type IndexStatus, type RunningServer } from '../../src/server/node.js'
import { routeOf } from '../../src/server/router.js'
import { newDid } from '../helpers.js'

const servers: RunningServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** One sample of the exposition format: name, labels, value. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A small parser of the Prometheus text exposition format (0.0.4): samples, with `# TYPE` checked. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1]!, type[2]!)
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!.replace(/\\(.)/g, '$1')
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) })
  }
  return { samples, types }
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

async function oneDid(): Promise<{ resolver: GridResolver; did: string }> {
  const ledger = new MemoryLedger()
  const { create } = await newDid('metrics')
  await ledger.submit([create.bytes])
  return { resolver: new GridResolver({ networks: { test: ledger } }), did: create.did }
}

async function scrape(url: string): Promise<{ samples: Sample[]; types: Map<string, string> }> {
  const res = await fetch(`${url}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parse(await res.text())
}

describe('serve({ metrics }): GET /metrics', () => {
  it('counts requests and latency by route template, method and status, the answer cache, each index, and the process', async () => {
    const { resolver, did } = await oneDid()
    const index = (): IndexStatus[] => [
      { network: 'test', indexedHeight: 7, finalizedHeight: 10, lagBlocks: 3, syncErrors: 2, lastSyncTime: 1_700_000_000_000 },
    ]
    const running = await serve(createHandler({ resolver }), { port: 0, log: false, metrics: { index } })
    servers.push(running)
    for (let i = 0; i < 2; i++) expect((await fetch(`${running.url}/1.0/identifiers/${did}`)).status).toBe(200)
    expect((await fetch(`${running.url}/1.0/identifiers/${did}?versionId=1`)).status).toBe(200)
    expect((await fetch(`${running.url}/1.0/methods`)).status).toBe(200)
    expect((await fetch(`${running.url}/random/${did}`)).status).toBe(404)

    const { samples, types } = await scrape(running.url)
    expect(types.get('grid_did_http_requests_total')).toBe('counter')
    expect(types.get('grid_did_http_request_duration_seconds')).toBe('histogram')
    const ids = { route: '/1.0/identifiers/{did}', method: 'GET', status: '200' }
    expect(value(samples, 'grid_did_http_requests_total', ids)).toBe(3)
    expect(value(samples, 'grid_did_http_requests_total', { route: '/1.0/methods', status: '200' })).toBe(1)
    expect(value(samples, 'grid_did_http_requests_total', { route: 'other', status: '404' })).toBe(1)
    // No raw URL is a label value: the DID appears nowhere.
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes(did)))).toBe(false)
    expect(value(samples, 'grid_did_http_request_duration_seconds_bucket', { ...ids, le: '+Inf' })).toBe(3)
    expect(value(samples, 'grid_did_http_request_duration_seconds_count', ids)).toBe(3)
    const buckets = samples.filter((s) => s.name === 'grid_did_http_request_duration_seconds_bucket' && s.labels.route === ids.route)
    expect(buckets.length).toBeGreaterThan(5)
    // Cumulative buckets never decrease.
    expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b))
    // The first and the versioned request were resolved, the second came from the cache.
    expect(value(samples, 'grid_did_answer_cache_requests_total', { result: 'hit' })).toBe(1)
    expect(value(samples, 'grid_did_answer_cache_requests_total', { result: 'miss' })).toBe(2)
    expect(value(samples, 'grid_did_index_lag_blocks', { network: 'test' })).toBe(3)
    expect(value(samples, 'grid_did_index_height', { network: 'test' })).toBe(7)
    expect(value(samples, 'grid_did_chain_finalized_height', { network: 'test' })).toBe(10)
    expect(value(samples, 'grid_did_index_sync_errors_total', { network: 'test' })).toBe(2)
    expect(value(samples, 'grid_did_index_last_sync_timestamp_seconds', { network: 'test' })).toBe(1_700_000_000)
    expect(value(samples, 'process_cpu_user_seconds_total', {})).toBeGreaterThan(0)
    expect(value(samples, 'nodejs_heap_size_used_bytes', {})).toBeGreaterThan(0)

    // The scrape itself is counted at the next one.
    const again = await scrape(running.url)
    expect(value(again.samples, 'grid_did_http_requests_total', { route: '/metrics', status: '200' })).toBe(1)
  })

  it('keeps a registry per server: a second server counts only its own requests', async () => {
    const { resolver, did } = await oneDid()
    const handler = createHandler({ resolver })
    const first = await serve(handler, { port: 0, log: false, metrics: true })
    const second = await serve(handler, { port: 0, log: false, metrics: true })
    servers.push(first, second)
    await fetch(`${first.url}/1.0/identifiers/${did}`)
    await fetch(`${first.url}/1.0/identifiers/${did}`)
    await fetch(`${second.url}/1.0/traits`)
    const a = (await scrape(first.url)).samples
    const b = (await scrape(second.url)).samples
    expect(value(a, 'grid_did_http_requests_total', { route: '/1.0/identifiers/{did}' })).toBe(2)
    expect(value(b, 'grid_did_http_requests_total', { route: '/1.0/identifiers/{did}' })).toBeUndefined()
    expect(value(b, 'grid_did_http_requests_total', { route: '/1.0/traits' })).toBe(1)
    // Without an index, no index metrics.
    expect(a.some((s) => s.name.startsWith('grid_did_index_'))).toBe(false)
  })

  it('answers 405 to other methods on /metrics, and 500 (problem details) when the index cannot be read; the server keeps answering', async () => {
    const { resolver, did } = await oneDid()
    const running = await serve(createHandler({ resolver }), {
      port: 0,
      log: false,
      metrics: {
        processMetrics: false,
        index: () => {
          throw new Error('index closed')
        },
      },
    })
    servers.push(running)
    const post = await fetch(`${running.url}/metrics`, { method: 'POST' })
    expect([post.status, post.headers.get('allow'), ((await post.json()) as { title: string }).title]).toEqual([
      405,
      'GET, HEAD',
      'Method Not Allowed',
    ])
    const failed = await fetch(`${running.url}/metrics`)
    expect([failed.status, failed.headers.get('content-type')]).toEqual([500, 'application/problem+json'])
    expect(await failed.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'metrics failed: index closed',
    })
    expect((await fetch(`${running.url}/1.0/identifiers/${did}`)).status).toBe(200)
  })

  it('is off by default: /metrics is then no route (404)', async () => {
    const { resolver } = await oneDid()
    const running = await serve(createHandler({ resolver }), { port: 0, log: false })
    servers.push(running)
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404)
  })
})

describe('routeOf', () => {
  it('maps targets to bounded route templates, origin or absolute form', () => {
    expect(routeOf('/1.0/identifiers/did:grid:test:abc?versionId=1')).toBe('/1.0/identifiers/{did}')
    expect(routeOf('http://elsewhere.example:8080/1.0/methods?x')).toBe('/1.0/methods')
    expect(routeOf('/health#x')).toBe('/health')
    expect(routeOf('/wp-admin/login.php')).toBe('other')
    expect(routeOf('*')).toBe('other')
  })
})
