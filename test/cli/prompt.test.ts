import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { CliError } from '../../src/cli/errors.js'
import type { Io } from '../../src/cli/io.js'
import { PromptInterrupted, readPassphrase, readSecret } from '../../src/cli/prompt.js'

/**
 * A terminal as Node's `tty.ReadStream` presents it to a reader: a readable stream with `isTTY`,
 * `isRaw` and `setRawMode` (here recording the modes it was put in).
 */
class FakeTty extends PassThrough {
  readonly isTTY = true
  isRaw = false
  readonly modes: boolean[] = []
  setRawMode(mode: boolean): this {
    this.isRaw = mode
    this.modes.push(mode)
    return this
  }
}

/** Types `keys` on `tty` one chunk at a time, once the reader listens. */
function type(tty: PassThrough, ...keys: (string | Buffer)[]): void {
  setImmediate(() => {
    for (const k of keys) tty.write(k)
  })
}

function fakeIo(interactive = true): Io & { err: string } {
  const io = {
    err: '',
    stdout: () => undefined,
    stderr: (t: string) => {
      io.err += t
    },
    interactive,
    readStdin: async () => '',
  }
  return io
}

describe('readSecret on a terminal', () => {
  it('reads up to Enter in raw mode and puts the terminal back', async () => {
    const tty = new FakeTty()
    type(tty, 'correct horse', '\r')
    await expect(readSecret(tty)).resolves.toBe('correct horse')
    expect(tty.modes).toEqual([true, false])
    expect(tty.isPaused()).toBe(true)
  })

  it('ends at a line feed too, and at the first Enter of a pasted chunk', async () => {
    const tty = new FakeTty()
    type(tty, 'one\ntwo\r')
    await expect(readSecret(tty)).resolves.toBe('one')
  })

  it('Backspace (DEL or ^H) deletes the last character; Ctrl-U the whole line', async () => {
    const tty = new FakeTty()
    type(tty, 'abx', '\u007f', 'c', 'y\b', 'd', '\r')
    await expect(readSecret(tty)).resolves.toBe('abcd')
    const cleared = new FakeTty()
    type(cleared, 'wrong', '\u0015', 'right\r')
    await expect(readSecret(cleared)).resolves.toBe('right')
  })

  it('Backspace deletes a whole character, not half of a surrogate pair', async () => {
    const tty = new FakeTty()
    type(tty, 'pass🔑', '\u007f', 'é\r')
    await expect(readSecret(tty)).resolves.toBe('passé')
  })

  it('decodes UTF-8 split across chunks', async () => {
    const tty = new FakeTty()
    const bytes = Buffer.from('mot de passe é\r', 'utf8')
    const cut = bytes.length - 2 // inside the two bytes of é
    type(tty, bytes.subarray(0, cut), bytes.subarray(cut))
    await expect(readSecret(tty)).resolves.toBe('mot de passe é')
  })

  it('ignores arrow keys and other control characters', async () => {
    const tty = new FakeTty()
    // Left arrow (CSI), BEL, up arrow in application mode (SS3), Alt-x (ESC x), F5 (CSI with parameters).
    type(tty, 'se', '\u001b[D', 'c\u0007re', '\u001bOA', '\u001bx', '\u001b[15~', 't\r')
    await expect(readSecret(tty)).resolves.toBe('secret')
  })

  it('Ctrl-C rejects with PromptInterrupted and puts the terminal back', async () => {
    const tty = new FakeTty()
    type(tty, 'half', '\u0003', 'more\r')
    await expect(readSecret(tty)).rejects.toBeInstanceOf(PromptInterrupted)
    expect(tty.modes).toEqual([true, false])
  })

  it('Ctrl-D on an empty line is the end of input; after a character it is ignored', async () => {
    const tty = new FakeTty()
    type(tty, '\u0004')
    const err = await readSecret(tty).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CliError)
    expect(err).toMatchObject({ code: 'ERR_GRID_CLI', message: 'no passphrase: the input ended before one was entered' })
    expect(tty.modes).toEqual([true, false])
    const typed = new FakeTty()
    type(typed, 'ab\u0004c\r')
    await expect(readSecret(typed)).resolves.toBe('abc')
  })

  it('a terminal already in raw mode is left in raw mode', async () => {
    const tty = new FakeTty()
    tty.isRaw = true
    type(tty, 'x\r')
    await readSecret(tty)
    expect(tty.modes).toEqual([true, true])
  })
})

describe('readSecret on a pipe (no terminal)', () => {
  it('reads the first line, without its line break or a CR before it, and leaves the rest', async () => {
    const pipe = new PassThrough()
    pipe.end('secret\r\nnext line\n')
    await expect(readSecret(pipe)).resolves.toBe('secret')
    pipe.setEncoding('utf8')
    expect(pipe.read()).toBe('next line\n')
  })

  it('a last line without a line break, an empty line, and no input at all', async () => {
    const last = new PassThrough()
    last.end('no newline')
    await expect(readSecret(last)).resolves.toBe('no newline')
    const empty = new PassThrough()
    empty.end('\n')
    await expect(readSecret(empty)).resolves.toBe('')
    const none = new PassThrough()
    none.end()
    await expect(readSecret(none)).rejects.toThrow(new CliError('no passphrase: the input ended before one was entered'))
  })

  it('a line cut across chunks and inside a character', async () => {
    const pipe = new PassThrough()
    const bytes = Buffer.from('naïve\n', 'utf8')
    type(pipe, bytes.subarray(0, 3), bytes.subarray(3))
    await expect(readSecret(pipe)).resolves.toBe('naïve')
  })
})

describe('readPassphrase', () => {
  it('$GRID_DID_PASSPHRASE first, without prompting', async () => {
    const io = fakeIo()
    await expect(readPassphrase(io, new FakeTty(), { GRID_DID_PASSPHRASE: 'from env' })).resolves.toBe('from env')
    await expect(readPassphrase(io, new PassThrough(), { GRID_DID_PASSPHRASE: '' })).resolves.toBe('')
    expect(io.err).toBe('')
  })

  it('prompts on stderr and reads the terminal with echo off', async () => {
    const io = fakeIo()
    const tty = new FakeTty()
    type(tty, 'typed\r')
    await expect(readPassphrase(io, tty, {})).resolves.toBe('typed')
    expect(io.err).toBe('passphrase: \n')
    expect(tty.modes).toEqual([true, false])
  })

  it('no terminal, or stderr not interactive: an error naming $GRID_DID_PASSPHRASE', async () => {
    const expected = new CliError(
      'no passphrase: pass --passphrase-file FILE, set $GRID_DID_PASSPHRASE_FILE or $GRID_DID_PASSPHRASE, or run interactively',
    )
    await expect(readPassphrase(fakeIo(), new PassThrough(), {})).rejects.toThrow(expected)
    await expect(readPassphrase(fakeIo(false), new FakeTty(), {})).rejects.toThrow(expected)
  })

  it('Ctrl-C at the prompt ends the line on stderr and rejects', async () => {
    const io = fakeIo()
    const tty = new FakeTty()
    type(tty, '\u0003')
    await expect(readPassphrase(io, tty, {})).rejects.toBeInstanceOf(PromptInterrupted)
    expect(io.err).toBe('passphrase: \n')
  })
})
