import { pino, type Logger, type LevelWithSilent } from 'pino'
import { messageOf } from '../lib/message.js'

export type { Logger } from 'pino'

/**
 * Where {@link serve} logs: a structured `Logger` (pino, from {@link createLogger}: one JSON
 * object per request), a function given one text line per request, or `false` for nothing.
 */
export type ServeLog = Logger | ((line: string) => void) | false

/** One answered (or abandoned) request, as the access log records it. */
export interface AccessEntry {
  requestId?: string
  ip: string
  method: string
  /** The request target, at most 300 characters. */
  path: string
  /** The route template it was answered by (bounded, as the metrics count it). */
  route: string
  /** The status sent, or null when the client left before its answer. */
  status: number | null
  bytes: number
  durationMs: number
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `json`: one JSON object per line (pino's); `pretty`: one line of text, the access log as `time ip method path status bytes ms`. */
  format?: 'json' | 'pretty'
  /** Least level written. Default `info`. */
  level?: LevelWithSilent
  /** Takes each line (ending in a newline). Default: standard error. */
  write?: (line: string) => void
}

/**
 * A pino logger for {@link serve} and the CLI: levels, ISO times, JSON lines or the same records as
 * one line of text each (no pino-pretty, no worker thread).
 * @example
 * ```ts
 * const running = await serve(handler, { log: createLogger({ format: 'json' }) })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json'
  if (format !== 'json' && format !== 'pretty') throw new RangeError(`options.format must be json or pretty, not ${String(format)}`)
  const write = options.write ?? ((line: string) => void process.stderr.write(line))
  const stream = { write: format === 'json' ? write : (line: string) => write(`${pretty(line)}\n`) }
  // Levels as their names (`"level":"warn"`), readable without pino's number table.
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  )
}

const FIXED = new Set(['level', 'time', 'msg'])

/** One JSON record as a line of text: an access record as the text access log always was, others `time LEVEL msg key=value…`. */
function pretty(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>
  const time = String(record.time)
  if (record.msg === 'request' && 'method' in record) {
    const { ip, method, path, status, bytes, durationMs } = record as unknown as AccessEntry
    return `${time} ${ip} ${method} ${path} ${status ?? '-'} ${bytes} ${Number(durationMs).toFixed(1)}ms`
  }
  const level = String(typeof record.level === 'number' ? (pino.levels.labels[record.level] ?? record.level) : record.level).toUpperCase()
  const rest = Object.entries(record)
    .filter(([k]) => !FIXED.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  return [time, level, String(record.msg ?? ''), ...rest].join(' ')
}

/**
 * What {@link serve} logs, to a {@link ServeLog}: one record per request, a request's failure, a
 * server error. A log destination that throws is ignored: logging never ends the process.
 */
export class AccessLog {
  /** Whether anything is logged (the request's start time is read only then). */
  readonly on: boolean
  /** Whether records are structured (each request then gets an id). */
  readonly structured: boolean
  readonly #log: ServeLog

  constructor(log: ServeLog | undefined) {
    this.#log = log === undefined ? (line: string) => console.log(line) : log
    this.on = this.#log !== false
    this.structured = typeof this.#log === 'object'
  }

  /** The access record of a request; a destination that throws here throws (the adapter then reports that failure). */
  request(entry: AccessEntry): void {
    const log = this.#log
    if (!log) return
    if (typeof log === 'function') {
      const { ip, method, path, status, bytes, durationMs } = entry
      log(`${new Date().toISOString()} ${ip} ${method} ${path} ${status ?? '-'} ${bytes} ${durationMs.toFixed(1)}ms`)
    } else log.info({ ...entry, durationMs: Math.round(entry.durationMs * 10) / 10 }, 'request')
  }

  /** A request that failed inside the handler or the adapter: what failed, with the request's own fields. */
  failed(entry: Pick<AccessEntry, 'requestId' | 'ip' | 'method' | 'path'>, err: unknown): void {
    const log = this.#log
    if (!log) return
    const message = messageOf(err).slice(0, 300)
    if (typeof log === 'function')
      this.#quietly(() => log(`${new Date().toISOString()} ${entry.ip} ${entry.method} ${entry.path} failed: ${message}`))
    else this.#quietly(() => log.error({ ...entry, err: message }, 'request failed'))
  }

  /** A server error after listening (an accept failure such as EMFILE). */
  serverError(err: unknown): void {
    const log = this.#log
    if (!log) return
    const message = messageOf(err).slice(0, 300)
    if (typeof log === 'function') this.#quietly(() => log(`${new Date().toISOString()} - server error: ${message}`))
    else this.#quietly(() => log.error({ err: message }, 'server error'))
  }

  /** Runs `write`; a destination that throws cannot be told about it either. */
  #quietly(write: () => void): void {
    try {
      write()
    } catch {
      // nothing left to tell
    }
  }
}
