/** How the CLI reports a failure: the code, the exit code, one line of text or one JSON object on stderr. */
import { CommanderError } from 'commander'
import { describe, expect, it } from 'vitest'
import { CliError, HomeNotFoundError, PortInUseError, UsageError } from '../../src/cli/errors.js'
import type { Io } from '../../src/cli/io.js'
import { printable } from '../../src/cli/printable.js'
import { describeError, reportError, wantsJson } from '../../src/cli/report.js'
import { InvalidOperationError } from '../../src/errors.js'

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, readStdin: async () => '' }, out, err }
}

describe('describeError', () => {
  it('EADDRINUSE from a server that could not listen is ERR_GRID_PORT_IN_USE naming the address and --port, exit 1', () => {
    const busy = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), {
      code: 'EADDRINUSE',
      address: '127.0.0.1',
      port: 8080,
    })
    expect(describeError(busy)).toEqual({
      code: PortInUseError.code,
      message: '127.0.0.1:8080 is already in use: pass --port N for another port (--port 0: any free port)',
      exit: 1,
    })
    expect(PortInUseError.code).toBe('ERR_GRID_PORT_IN_USE')
  })

  it('parse errors, UsageError, TypeError and RangeError are ERR_GRID_USAGE, exit 2', () => {
    const parse = new CommanderError(1, 'commander.unknownCommand', "error: unknown command 'x'")
    expect(describeError(parse)).toEqual({ code: 'ERR_GRID_USAGE', message: "unknown command 'x'", exit: 2 })
    expect(describeError(new UsageError('--port must be…'))).toMatchObject({ code: 'ERR_GRID_USAGE', exit: 2 })
    expect(describeError(new RangeError('out of range'))).toEqual({ code: 'ERR_GRID_USAGE', message: 'out of range', exit: 2 })
    expect(describeError(new TypeError('wrong type'))).toMatchObject({ code: 'ERR_GRID_USAGE', exit: 2 })
  })

  it('a GridError keeps its code (exit 1); a refused operation carries the rule it breaks; anything else is ERR_GRID_CLI', () => {
    expect(describeError(new HomeNotFoundError('/h'))).toMatchObject({ code: 'ERR_GRID_HOME_NOT_FOUND', exit: 1 })
    expect(describeError(new InvalidOperationError('unauthorized', 'not signed by the current update key'))).toEqual({
      code: 'ERR_GRID_INVALID_OPERATION',
      message: 'not signed by the current update key',
      exit: 1,
      reason: 'unauthorized',
    })
    expect(describeError(new Error('boom'))).toEqual({ code: 'ERR_GRID_CLI', message: 'unexpected error: boom', exit: 1 })
  })
})

describe('reportError', () => {
  it('text: one line on stderr, the specific code in parentheses, none for the generic ones; nothing on stdout', () => {
    const c = capture()
    expect(reportError(new HomeNotFoundError('/h'), c.io, false)).toBe(1)
    expect(reportError(new CliError('wrong passphrase'), c.io, false)).toBe(1)
    expect(reportError(new UsageError('bad\u001b[31m flag'), c.io, false)).toBe(2)
    expect(c.err).toEqual([
      `grid-did: ${new HomeNotFoundError('/h').message} (ERR_GRID_HOME_NOT_FOUND)\n`,
      'grid-did: wrong passphrase\n',
      `grid-did: ${printable('bad\u001b[31m flag')}\n`,
    ])
    expect(c.err[2]).not.toContain('\u001b')
    expect(c.out).toEqual([])
  })

  it('--json: one JSON object {"error":{code,message,reason?}} on stderr, for the generic codes too; nothing on stdout', () => {
    const c = capture()
    expect(reportError(new CliError('wrong passphrase'), c.io, true)).toBe(1)
    expect(reportError(new InvalidOperationError('wrong-predecessor', 'stale'), c.io, true)).toBe(1)
    expect(c.err.map((l) => JSON.parse(l))).toEqual([
      { error: { code: 'ERR_GRID_CLI', message: 'wrong passphrase' } },
      { error: { code: 'ERR_GRID_INVALID_OPERATION', message: 'stale', reason: 'wrong-predecessor' } },
    ])
    expect(c.err.every((l) => l.endsWith('}\n') && l.split('\n').length === 2)).toBe(true)
    expect(c.out).toEqual([])
  })

  it('wantsJson sees --json anywhere before --, even when parsing failed', () => {
    expect(wantsJson(['did', 'create', '--json'])).toBe(true)
    expect(wantsJson(['--json', 'frobnicate'])).toBe(true)
    expect(wantsJson(['vc', 'verify', '--', '--json'])).toBe(false)
    expect(wantsJson(['resolve', 'did:grid:x:y'])).toBe(false)
  })
})
