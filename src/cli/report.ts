import { CommanderError } from 'commander'
import { GridError, InvalidOperationError, type GridErrorCode } from '../errors.js'
import { messageOf } from '../lib/message.js'
import { CliError, PortInUseError, UsageError } from './errors.js'
import type { Io } from './io.js'
import { printable } from './printable.js'

/** A failure as the CLI reports it: its code, its one-line message, and the exit code. */
export interface ErrorReport {
  code: GridErrorCode
  message: string
  /** 1 failure, 2 usage error. */
  exit: 1 | 2
  /** An operation refused or skipped: the fold's rule it breaks (`unauthorized`, `wrong-predecessor`, …). */
  reason?: string
}

/**
 * What a thrown value means to the operator. Commander's parse errors, {@link UsageError} and
 * `TypeError`/`RangeError` are usage errors (exit 2, `ERR_GRID_USAGE`); `EADDRINUSE` from a server
 * that could not listen is {@link PortInUseError}; every other {@link GridError} keeps its code
 * (exit 1); anything else is `ERR_GRID_CLI` (exit 1). Messages never carry key material (no error does).
 */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof CommanderError) return { code: UsageError.code, message: err.message.replace(/^error: /, ''), exit: 2 }
  if ((err as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE') {
    const { address, port } = err as { address?: string; port?: number }
    return describeError(
      new PortInUseError(address !== undefined && port !== undefined ? `${address}:${port}` : 'the port', { cause: err }),
    )
  }
  if (err instanceof UsageError) return { code: err.code, message: err.message, exit: 2 }
  if (err instanceof GridError) {
    return { code: err.code, message: err.message, exit: 1, ...(err instanceof InvalidOperationError ? { reason: err.reason } : {}) }
  }
  if (err instanceof TypeError || err instanceof RangeError) return { code: UsageError.code, message: err.message, exit: 2 }
  return { code: CliError.code, message: `unexpected error: ${messageOf(err)}`, exit: 1 }
}

/**
 * Prints a failure and returns its exit code. As text: one line on stderr, `grid-did: MESSAGE`, with
 * ` (CODE)` after it for the library's and the CLI's specific codes (not for the generic
 * `ERR_GRID_USAGE` and `ERR_GRID_CLI`). With `--json`: one JSON object on stderr,
 * `{"error":{"code","message","reason"?}}`, so that stdout only ever carries a command's result.
 * Control and bidi characters in a text message (it may echo input) are escaped; JSON escapes its own.
 */
export function reportError(err: unknown, io: Io, json: boolean): number {
  const report = describeError(err)
  if (json) {
    const { code, message, reason } = report
    io.stderr(`${JSON.stringify({ error: { code, message, ...(reason ? { reason } : {}) } })}\n`)
  } else {
    const generic = report.code === UsageError.code || report.code === CliError.code
    io.stderr(`grid-did: ${printable(report.message)}${generic ? '' : ` (${report.code})`}\n`)
  }
  return report.exit
}

/** Whether `--json` was given among the global options (before `--`), known even when parsing failed. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}
