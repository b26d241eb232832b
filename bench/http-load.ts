/**
 * The load generator of bench/http.ts, run in its own process (forked by `load()` there) so that
 * generating requests does not share an event loop with the server being measured. Takes one
 * {@link LoadJob} as JSON in argv[2], loads the URL with autocannon's programmatic API, and reports
 * over IPC: `{ type: 'started' }` when the measured run begins (after the warm-up), then
 * `{ type: 'result', result }`.
 */
import { createRequire } from 'node:module'

/** What bench/http.ts asks the load generator to do. */
export interface LoadJob {
  /** `http://127.0.0.1:<port>/...`: loopback only. */
  url: string
  headers: Record<string, string>
  connections: number
  /** Seconds of the measured run (ignored when `amount` is set). */
  duration: number
  /** Stop after this many requests instead of after `duration`. */
  amount?: number
  /** Seconds of unmeasured load before the measured run; 0 for none. */
  warmup: number
}

/** The fields of autocannon's result used by the benchmark (the package ships no types). */
export interface LoadResult {
  /** Requests per second, sampled each second; `total` counts every completed request. */
  requests: { average: number; total: number }
  /** Milliseconds. */
  latency: { average: number; p50: number; p99: number; max: number }
  errors: number
  timeouts: number
  non2xx: number
  /** Seconds. */
  duration: number
}

/** Messages from the load generator to bench/http.ts. */
export type LoadMessage = { type: 'started' } | { type: 'result'; result: LoadResult }

type Autocannon = (options: {
  url: string
  headers: Record<string, string>
  connections: number
  duration?: number
  amount?: number
}) => Promise<LoadResult>

if (process.send) {
  const job = JSON.parse(process.argv[2]!) as LoadJob
  if (new URL(job.url).hostname !== '127.0.0.1') throw new Error(`the load generator targets 127.0.0.1 only, not ${job.url}`)
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
  const base = { url: job.url, headers: job.headers, connections: job.connections }
  if (job.warmup > 0) await autocannon({ ...base, duration: job.warmup })
  process.send({ type: 'started' } satisfies LoadMessage)
  const result = await autocannon(job.amount ? { ...base, amount: job.amount } : { ...base, duration: job.duration })
  // Only the fields used: autocannon's full result carries histograms of every percentile.
  const { requests, latency, errors, timeouts, non2xx, duration } = result
  const message: LoadMessage = {
    type: 'result',
    result: {
      requests: { average: requests.average, total: requests.total },
      latency: { average: latency.average, p50: latency.p50, p99: latency.p99, max: latency.max },
      errors,
      timeouts,
      non2xx,
      duration,
    },
  }
  process.send(message, () => process.exit(0))
}
