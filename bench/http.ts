/**
 * The resolver endpoint under load (issue 6): `GET /1.0/identifiers/<did>` served by `serve()` from
 * an embedded SQLite ledger, against a bare `node:http` server answering the same bytes, both loaded
 * by autocannon from a second process (bench/http-load.ts) over 127.0.0.1; then the endpoint's
 * resident memory over a long run.
 *
 * Run by the benchmark suite (bench/run.ts) with a {@link BenchContext}.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GridResolver } from '../src/index.js'
import { SqliteLedger } from '../src/ledger/sqlite.js'
import { didWithUpdates } from './resolve.js'
import { createHandler, serve } from '../src/server/node.js'
import type { LoadJob, LoadMessage, LoadResult } from './http-load.js'
import type { BenchContext } from './lib.js'

const CONNECTIONS = 64
/** The Accept of the load: the endpoint's main representation, the full DID Resolution result. */
const ACCEPT = 'application/did-resolution'
/** Updates on the resolved DID, so the document is a realistic size and the log is not trivial. */
const UPDATES = 5

/**
 * Records four rows: requests/s, p99 latency and CPU time per request of the endpoint against a bare `node:http` server
 * sending the same response (measured alternately, bare first), and the endpoint's resident memory
 * over 1M requests (100k with `--quick`). Every request is the same GET of one DID, so after the
 * first the endpoint answers from its answer cache, reading the ledger head at most every 25 ms
 * (spec §HTTP(S) binding: an answer never older than the head it names).
 */
export async function httpBench(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 3 : 10
  const amount = ctx.quick ? 100_000 : 1_000_000
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-bench-http-'))
  const ledger = new SqliteLedger(join(dir, 'ledger.db'), { create: true })
  const ours = await serve(createHandler({ resolver: new GridResolver({ networks: { bench: ledger } }) }), { port: 0, log: false })
  let bare: { url: string; close: () => Promise<void> } | undefined
  try {
    const did = await anchorDid(ledger, UPDATES)
    const path = `/1.0/identifiers/${did}`
    const headers = { accept: ACCEPT }

    // The bare server answers exactly what the endpoint answers: status, headers and body bytes.
    const sample = await fetch(`${ours.url}${path}`, { headers })
    if (sample.status !== 200) throw new Error(`the endpoint answered ${sample.status} for ${did}`)
    const bytes = new Uint8Array(await sample.arrayBuffer())
    const sent: OutgoingHttpHeaders = {}
    for (const [k, v] of sample.headers) if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)) sent[k] = v
    bare = await bareServer(bytes, sent)
    ctx.log(`http: ${bytes.length}-byte ${sample.headers.get('content-type')} answer; ${CONNECTIONS} connections, ${seconds} s per run`)

    const runs: { bare: LoadResult[]; ours: LoadResult[] } = { bare: [], ours: [] }
    const cpu: { bare: number[]; ours: number[] } = { bare: [], ours: [] }
    for (let round = 0; round < 2; round++) {
      for (const [side, url] of [
        ['bare', bare.url],
        ['ours', ours.url],
      ] as const) {
        // Each server is warmed up once, before its first measured run. The CPU time of this process
        // (it hosts both servers; the load comes from another) over the measured run, per request,
        // holds better than requests/s on a loaded machine.
        let cpuUs = 0
        const { result } = await load(
          {
            url: `${url}${path}`,
            headers,
            connections: CONNECTIONS,
            duration: seconds,
            warmup: round === 0 ? 1 : 0,
          },
          () => {
            const from = process.cpuUsage()
            return () => {
              const used = process.cpuUsage(from)
              cpuUs = used.user + used.system
            }
          },
        )
        runs[side].push(checked(`${side} run ${round + 1}`, result))
        cpu[side].push(cpuUs / result.requests.total)
        ctx.log(
          `http: ${side} run ${round + 1}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${(cpuUs / result.requests.total).toFixed(1)} µs CPU/request`,
        )
      }
    }
    const mean = (rs: LoadResult[]) => rs.reduce((s, r) => s + r.requests.average, 0) / rs.length
    const worstP99 = (rs: LoadResult[]) => Math.max(...rs.map((r) => r.latency.p99))
    const [oursRate, bareRate, oursP99, bareP99] = [mean(runs.ours), mean(runs.bare), worstP99(runs.ours), worstP99(runs.bare)]
    ctx.record({
      name: `HTTP resolve, one DID repeatedly (cached answer, head read at most every 25 ms), ${CONNECTIONS} connections, ${seconds} s, mean of 2 runs`,
      value: oursRate,
      unit: 'req/s',
      baseline: 'bare node:http server sending the same response (status, headers, body), runs alternating',
      baselineValue: bareRate,
      target: '≥ 0.9× bare; p99 < 20 ms',
      met: oursRate / bareRate >= 0.9 && oursP99 < 20,
    })
    const least = (xs: number[]) => Math.min(...xs)
    ctx.record({
      name: 'HTTP resolve, server CPU time per request (the same runs, least of 2)',
      value: least(cpu.ours),
      unit: 'µs',
      baseline: 'the same bare node:http server',
      baselineValue: least(cpu.bare),
      ratio: least(cpu.bare) / least(cpu.ours),
      target: '≥ 0.9× bare (bare CPU / ours)',
      met: least(cpu.bare) / least(cpu.ours) >= 0.9,
    })
    ctx.record({
      name: `HTTP resolve p99 latency, ${CONNECTIONS} connections, worst of 2 runs`,
      value: oursP99,
      unit: 'ms',
      baseline: 'the same bare node:http server',
      baselineValue: bareP99,
      target: '< 20 ms',
      met: oursP99 < 20,
    })

    // Resident memory of this process (it hosts the endpoint) over a long run, sampled every 100 ms.
    const before = process.memoryUsage().rss
    const samples: number[] = []
    const { result } = await load({ url: `${ours.url}${path}`, headers, connections: CONNECTIONS, duration: 0, amount, warmup: 0 }, () => {
      const timer = setInterval(() => samples.push(process.memoryUsage().rss), 100)
      return () => clearInterval(timer)
    })
    checked('memory run', result)
    if (result.requests.total < amount) throw new Error(`memory run: ${result.requests.total} of ${amount} requests completed`)
    if (samples.length < 4) throw new Error(`memory run: ${samples.length} samples in ${result.duration} s, too few to compare halves`)
    const half = Math.floor(samples.length / 2)
    const firstPeak = Math.max(before, ...samples.slice(0, half))
    const secondPeak = Math.max(...samples.slice(half))
    const mb = (x: number) => x / 2 ** 20
    ctx.log(
      `http: ${amount} requests in ${result.duration} s; RSS ${mb(before).toFixed(1)} MB before, peak ${mb(firstPeak).toFixed(1)} MB (1st half), ${mb(secondPeak).toFixed(1)} MB (2nd half)`,
    )
    ctx.record({
      name: `resident memory (peak RSS) of the endpoint's process during ${amount >= 1_000_000 ? `${amount / 1_000_000}M` : `${amount / 1_000}k`} requests`,
      value: mb(Math.max(firstPeak, secondPeak)),
      unit: 'MB',
      baseline: 'same process before the run',
      baselineValue: mb(before),
      target: 'bounded (no growth in the 2nd half)',
      // Bounded: the second half's peak stays within 10% of the first half's.
      met: secondPeak <= firstPeak * 1.1,
    })
  } finally {
    await Promise.all([ours.close(), bare?.close()])
    await ledger.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A DID with `updates` updates anchored one per batch on `ledger`; returns the DID. */
async function anchorDid(ledger: SqliteLedger, updates: number): Promise<string> {
  const { did, ops } = await didWithUpdates(updates)
  for (const op of ops) await ledger.submit([op])
  return did
}

/** A bare `node:http` server on 127.0.0.1 answering every request with `body` and `headers`. */
async function bareServer(body: Uint8Array, headers: OutgoingHttpHeaders): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * Runs `job` in a forked load generator (bench/http-load.ts under tsx's loader). `during` is called
 * when the measured run starts (after the warm-up); the function it returns, when the result arrives.
 */
function load(job: LoadJob, during?: () => () => void): Promise<{ result: LoadResult }> {
  const child = fork(fileURLToPath(new URL('./http-load.ts', import.meta.url)), [JSON.stringify(job)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
  })
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined
    child.on('message', (message: LoadMessage) => {
      if (message.type === 'started') stop = during?.()
      else {
        stop?.()
        resolve({ result: message.result })
      }
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      stop?.()
      reject(new Error(`the load generator exited with code ${code} before reporting`))
    })
  })
}

/** `result`, after checking that every request succeeded. */
function checked(label: string, result: LoadResult): LoadResult {
  if (result.errors + result.timeouts + result.non2xx > 0 || result.requests.total === 0) {
    throw new Error(
      `${label}: ${result.requests.total} requests, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`,
    )
  }
  return result
}
