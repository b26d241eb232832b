import { readFileSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { CliError } from './errors.js'
import type { Io } from './io.js'

/**
 * Where a secret is read from: a readable stream, and when it is a terminal (`isTTY`) the
 * `setRawMode` of Node's `tty.ReadStream`, which turns the terminal's echo and line editing off.
 */
export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean
  isRaw?: boolean
  setRawMode?: (mode: boolean) => unknown
}

/** Ctrl-C at a prompt: the user wants the command stopped, as a SIGINT would stop it. */
export class PromptInterrupted extends Error {
  constructor() {
    super('interrupted')
    this.name = 'PromptInterrupted'
  }
}

const ENTER = new Set(['\r', '\n'])
const BACKSPACE = new Set(['\u007f', '\b'])
const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_U = '\u0015'
const ESC = '\u001b'

/**
 * Reads one secret line from `input` without echoing it. On a terminal, in raw mode (no echo, no
 * line editing by the terminal): Enter ends it, Backspace deletes the last character, Ctrl-U the
 * whole line, Ctrl-C rejects with {@link PromptInterrupted}, Ctrl-D on an empty line is the end of
 * input; escape sequences (arrow keys) and other control characters are ignored. Anything else
 * (a pipe, a file) is read up to the first line break, which is not part of the secret, nor is a
 * `\r` before it; what follows the line is left in the stream.
 * @throws {CliError} at the end of input before any character (or line break).
 */
export function readSecret(input: SecretInput): Promise<string> {
  return input.isTTY === true && typeof input.setRawMode === 'function' ? readFromTerminal(input) : readLine(input)
}

function readFromTerminal(input: SecretInput): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8')
    const wasRaw = input.isRaw === true
    let secret: string[] = []
    let escape: 'none' | 'start' | 'csi' | 'ss3' = 'none'
    const finish = (error: Error | undefined) => {
      input.removeListener('data', onData)
      input.removeListener('end', onEnd)
      input.removeListener('error', onError)
      input.setRawMode!(wasRaw)
      input.pause()
      if (error) reject(error)
      else resolve(secret.join(''))
    }
    const onData = (chunk: string | Buffer) => {
      for (const c of typeof chunk === 'string' ? chunk : decoder.write(chunk)) {
        // Keys that send escape sequences (arrows, Home, F1…): ESC [ parameters… final byte
        // (0x40–0x7e), ESC O and one character, or ESC and one character.
        if (escape === 'start') {
          escape = c === '[' ? 'csi' : c === 'O' ? 'ss3' : 'none'
          continue
        }
        if (escape === 'ss3') {
          escape = 'none'
          continue
        }
        if (escape === 'csi') {
          if (c >= '@' && c <= '~') escape = 'none'
          continue
        }
        if (ENTER.has(c)) return finish(undefined)
        if (c === CTRL_C) return finish(new PromptInterrupted())
        if (c === CTRL_D) {
          if (secret.length === 0) return finish(endOfInput())
          continue
        }
        if (BACKSPACE.has(c)) secret.pop()
        else if (c === CTRL_U) secret = []
        else if (c === ESC) escape = 'start'
        else if (c >= ' ') secret.push(c)
      }
    }
    const onEnd = () => finish(secret.length === 0 ? endOfInput() : undefined)
    const onError = (err: Error) => finish(err)
    input.setRawMode!(true)
    input.on('data', onData)
    input.on('end', onEnd)
    input.on('error', onError)
    input.resume()
  })
}

function readLine(input: SecretInput): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8')
    let line = ''
    let any = false
    const finish = (error: Error | undefined) => {
      input.removeListener('data', onData)
      input.removeListener('end', onEnd)
      input.removeListener('error', onError)
      input.pause()
      if (error) reject(error)
      else resolve(line.endsWith('\r') ? line.slice(0, -1) : line)
    }
    const onData = (chunk: string | Buffer) => {
      any = true
      // A line break is one byte in UTF-8, so a Buffer is cut there without splitting a character.
      const at = typeof chunk === 'string' ? chunk.indexOf('\n') : chunk.indexOf(0x0a)
      if (at === -1) {
        line += typeof chunk === 'string' ? chunk : decoder.write(chunk)
        return
      }
      line += typeof chunk === 'string' ? chunk.slice(0, at) : decoder.end(chunk.subarray(0, at))
      // Put back only once this reader is gone, or the stream would hand the rest straight back to it.
      finish(undefined)
      const rest = chunk.slice(at + 1)
      if (rest.length > 0) input.unshift(rest)
    }
    const onEnd = () => {
      line += decoder.end()
      finish(any ? undefined : endOfInput())
    }
    const onError = (err: Error) => finish(err)
    input.on('data', onData)
    input.on('end', onEnd)
    input.on('error', onError)
    input.resume()
  })
}

const endOfInput = () => new CliError('no passphrase: the input ended before one was entered')

/**
 * The passphrase, from the first of: `file` (`--passphrase-file`), `$GRID_DID_PASSPHRASE_FILE`,
 * `$GRID_DID_PASSPHRASE`, or a prompt on stderr read from the terminal with echo off when
 * interactive. Ctrl-C at the prompt stops the command as a SIGINT does.
 * @throws {CliError} when none is available, or the file cannot be read or holds no passphrase.
 */
export async function readPassphrase(
  io: Io,
  input: SecretInput = process.stdin,
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
): Promise<string> {
  if (file !== undefined) return passphraseFile(file, '--passphrase-file')
  if (env.GRID_DID_PASSPHRASE_FILE) return passphraseFile(env.GRID_DID_PASSPHRASE_FILE, '$GRID_DID_PASSPHRASE_FILE')
  const given = env.GRID_DID_PASSPHRASE
  if (given !== undefined) return given
  if (!input.isTTY || !io.interactive)
    throw new CliError(
      'no passphrase: pass --passphrase-file FILE, set $GRID_DID_PASSPHRASE_FILE or $GRID_DID_PASSPHRASE, or run interactively',
    )
  io.stderr('passphrase: ')
  let secret: string
  try {
    secret = await readSecret(input)
  } catch (err) {
    io.stderr('\n')
    // Raw mode kept the terminal from sending SIGINT on Ctrl-C: send it, so the command ends as it would have.
    if (err instanceof PromptInterrupted && input === process.stdin) process.kill(process.pid, 'SIGINT')
    throw err
  }
  io.stderr('\n')
  return secret
}

/**
 * The writer account's own passphrase, when it has one: `$GRID_DID_WRITER_PASSPHRASE_FILE`, else
 * `$GRID_DID_WRITER_PASSPHRASE`; undefined: the same passphrase as the other keys.
 */
export function writerPassphrase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GRID_DID_WRITER_PASSPHRASE_FILE) return passphraseFile(env.GRID_DID_WRITER_PASSPHRASE_FILE, '$GRID_DID_WRITER_PASSPHRASE_FILE')
  return env.GRID_DID_WRITER_PASSPHRASE
}

/**
 * A passphrase kept in a file (a secret mounted by the platform): its first line, without the line
 * break (`\n` or `\r\n`); `source` names where the path came from in errors.
 */
function passphraseFile(path: string, source: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError(`cannot read the passphrase file ${path} (${source}): ${code === 'ENOENT' ? 'no such file' : String(code ?? err)}`)
  }
  const line = text.split('\n', 1)[0]!.replace(/\r$/, '')
  if (line.length === 0) throw new CliError(`the passphrase file ${path} (${source}) is empty: its first line is the passphrase`)
  return line
}
