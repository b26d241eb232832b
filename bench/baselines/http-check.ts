/**
 * Smoke check of the HTTP load generator: a bare `node:http` server here, loaded by autocannon
 * from a second process twice: its CLI (`npx autocannon -c 64 -d 2 --json URL`) and its
 * programmatic API in a forked child. Prints requests/s and p99 latency of each run.
 *
 *   npx tsx bench/baselines/http-check.ts
 *
 * Run with `--load URL CONNECTIONS SECONDS` (as the fork does) it is the load generator itself.
 */
import { execFile, fork } from 'node:child_process'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** The fields of autocannon's result used here (the package ships no types). */
interface LoadResult {
  /** Requests per second, sampled each second. */
  requests: { average: number; total: number }
  /** Milliseconds. */
  latency: { average: number; p50: number; p99: number; max: number }
  errors: number
  timeouts: number
  non2xx: number
  connections: number
  duration: number
}

const CONNECTIONS = 64
const SECONDS = 2

if (process.argv[2] === '--load') {
  // The load-generator process: autocannon's programmatic API, the result back over IPC.
  const [url, connections, duration] = process.argv.slice(3)
  const autocannon = createRequire(import.meta.url)('autocannon') as (options: { url: string; connections: number; duration: number }) => Promise<LoadResult>
  const result = await autocannon({ url: url!, connections: Number(connections), duration: Number(duration) })
  process.send!(result, () => process.exit(0))
} else {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  try {
    const cli = await promisify(execFile)('npx', ['--no-install', 'autocannon', '-c', String(CONNECTIONS), '-d', String(SECONDS), '--json', url], { maxBuffer: 1 << 24 })
    report('autocannon CLI (npx)', JSON.parse(cli.stdout) as LoadResult)

    const child = fork(fileURLToPath(import.meta.url), ['--load', url, String(CONNECTIONS), String(SECONDS)], { execArgv: process.execArgv })
    const api = await new Promise<LoadResult>((resolve, reject) => {
      child.once('message', (message) => resolve(message as LoadResult))
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`load generator exited with code ${code} before reporting`)))
    })
    report(`autocannon API (forked pid ${child.pid})`, api)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

function report(label: string, r: LoadResult): void {
  if (r.errors + r.timeouts + r.non2xx > 0 || r.requests.total === 0) {
    throw new Error(`${label}: ${r.requests.total} requests, ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
  }
  console.log(
    `${label}: ${r.connections} connections, ${r.duration} s: ${Math.round(r.requests.average)} req/s, ` +
      `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms (${r.requests.total} requests)`,
  )
}
