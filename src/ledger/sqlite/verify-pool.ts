import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { costlyPart, runDeferredCheck, type DeferredCheck } from '../../lib/crypto.js'
import { ed25519Kernel } from '../../lib/ed25519-kernel.js'
import type { CheckSession } from '../admit.js'

/**
 * Checks sent to a worker in one message: about four messages per worker and batch, so every
 * worker starts while the batch is still being decoded and they finish together.
 */
const chunkSize = (count: number, workers: number) => Math.min(32, Math.max(4, Math.ceil(count / (workers * 4))))

/** One check's costly part as posted: signature, message, key, then the points to decode. */
type Job = Uint8Array[]

// The worker runs the kernel from its source text (it is self-contained by design), so nothing has
// to be resolved from a file: the same code works from src/, the ESM and the CommonJS builds.
// `__name` is the helper esbuild inserts when a build keeps function names (tsx, this package's
// builds); a split CommonJS build calls it through its chunk (`chunk_cjs.__name(…)`): both become ours.
const WORKER_SOURCE = `'use strict'
const { parentPort } = require('node:worker_threads')
const __name = (f) => f
const kernel = (${ed25519Kernel.toString().replace(/[\w$]+\.__name\(/g, '__name(')})(require('node:crypto'))
// Warm the code paths up (JIT) while the first batch is still being decoded.
for (let i = 0; i < 200; i++) {
  const enc = new Uint8Array(32).fill(i)
  enc[31] &= 0x3f
  kernel.decodes(enc)
  if (i % 10 === 0) kernel.verify(new Uint8Array(64), enc, enc)
}
parentPort.postMessage({ ready: true })
parentPort.on('message', ({ id, jobs }) => {
  const verdicts = new Uint8Array(jobs.length)
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i]
    let ok = kernel.verify(job[0], job[1], job[2])
    for (let j = 3; ok && j < job.length; j++) ok = kernel.decodes(job[j])
    verdicts[i] = ok ? 1 : 0
  }
  parentPort.postMessage({ id, verdicts })
})`

interface Chunk {
  jobs: Job[]
  resolve: (verdicts: Uint8Array) => void
  reject: (err: Error) => void
}

interface Thread {
  worker: Worker
  pending: Map<number, Chunk>
  /** Whether the worker has loaded its code. */
  ready: boolean
}

/**
 * Worker threads that run admission's costly checks (Ed25519 verifications, curve-point decoding)
 * on every core: started on first use, not keeping the process alive while idle, closed with the
 * ledger. A worker that dies is replaced; the checks it held run on the calling thread instead, so a
 * crash never loses or changes a verdict. Node only (src/ledger/sqlite).
 * @internal
 */
export class VerifyPool {
  readonly size: number
  readonly #threads: (Thread | undefined)[]
  #next = 0
  #ids = 0
  #closed = false
  /** Set when a worker failed to load its code: from then on every check runs on the calling thread. */
  #broken = false
  /** Chunks whose worker died before answering, run on the calling thread instead. */
  recovered = 0

  constructor(size: number = availableParallelism()) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('size must be a positive integer')
    this.size = size
    this.#threads = new Array(size).fill(undefined)
  }

  /** @internal The live workers, for tests. */
  get workers(): Worker[] {
    return this.#threads.flatMap((t) => (t ? [t.worker] : []))
  }

  /** A session for one batch of about `count` checks: they are posted in chunks as they are added. */
  session(count: number): CheckSession {
    const chunk = chunkSize(count, this.size)
    const verdicts: (boolean | Promise<boolean>)[] = []
    const parts: { at: number; job: Job }[] = []
    const flush = () => {
      if (parts.length === 0) return
      const taken = parts.splice(0)
      const answer = this.#post(taken.map((p) => p.job))
      taken.forEach((p, i) => {
        verdicts[p.at] = answer.then((v) => v[i] === 1)
      })
    }
    return {
      add: (check) => {
        const part = costlyPart(check)
        if (!part) verdicts.push(false)
        else {
          parts.push({ at: verdicts.length, job: [...part.verify, ...part.decode].map(compact) })
          verdicts.push(false)
          if (parts.length >= chunk) flush()
        }
      },
      done: async () => {
        flush()
        return Promise.all(verdicts)
      },
    }
  }

  /** Runs `checks` (one verdict each, in order), for tests and callers without a session. */
  async run(checks: readonly DeferredCheck[]): Promise<boolean[]> {
    const session = this.session(checks.length)
    for (const check of checks) session.add(check)
    return session.done()
  }

  /** Stops every worker; checks in flight are refused. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    const threads = this.#threads.splice(0)
    await Promise.all(
      threads.map(async (t) => {
        if (!t) return
        for (const chunk of t.pending.values()) chunk.reject(new Error('the verification pool is closed'))
        t.pending.clear()
        await t.worker.terminate()
      }),
    )
  }

  #post(jobs: Job[]): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error('the verification pool is closed'))
    if (this.#broken) return Promise.resolve(runJobs(jobs))
    const slot = this.#next
    this.#next = (this.#next + 1) % this.size
    const thread = this.#threads[slot] ?? this.#spawn(slot)
    const id = this.#ids++
    return new Promise((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref()
      thread.pending.set(id, { jobs, resolve, reject })
      thread.worker.postMessage({ id, jobs })
    })
  }

  #spawn(slot: number): Thread {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.unref()
    const thread: Thread = { worker, pending: new Map(), ready: false }
    this.#threads[slot] = thread
    worker.on('message', ({ id, verdicts, ready }: { id: number; verdicts: Uint8Array; ready?: true }) => {
      if (ready) {
        thread.ready = true
        return
      }
      const chunk = thread.pending.get(id)
      if (!chunk) return
      thread.pending.delete(id)
      if (thread.pending.size === 0) worker.unref()
      chunk.resolve(verdicts)
    })
    // 'error' (an exception in the worker) is followed by 'exit'. One before the worker has loaded
    // its code means it never can here (a build that rewrote the kernel's source, say).
    worker.on('error', () => {
      if (!thread.ready) this.#broken = true
    })
    worker.on('exit', () => {
      if (this.#threads[slot] === thread) this.#threads[slot] = undefined
      for (const chunk of thread.pending.values()) {
        this.recovered++
        chunk.resolve(runJobs(chunk.jobs))
      }
      thread.pending.clear()
    })
    return thread
  }
}

// Posting a view clones its whole buffer (a signature decoded by Buffer sits in an 8 KiB slab).
const compact = (bytes: Uint8Array): Uint8Array => (bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice())

// Jobs on this thread, by the same rules (runDeferredCheck on each job's parts).
function runJobs(jobs: readonly Job[]): Uint8Array {
  return Uint8Array.from(jobs, (job) => {
    const [signature, message, publicKey, ...points] = job as [Uint8Array, Uint8Array, Uint8Array, ...Uint8Array[]]
    return runDeferredCheck({ signature, message, publicKey, points }) ? 1 : 0
  })
}
