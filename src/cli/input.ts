import { readFileSync } from 'node:fs'
import { parseCredentialCsv, type ParsedCredentialCsv } from '../vc/csv.js'
import type { RoleName } from '../vc/roles.js'
import { CliError, UsageError } from './errors.js'
import type { Io } from './io.js'

/** A JSON file, parsed; one it cannot read or parse is a one-line error. */
export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new CliError(`cannot read ${file} as JSON: ${(err as Error).message}`)
  }
}

/** A JWT argument: the token itself, `@file`, or `-` for stdin. */
export async function readJwt(arg: string, io: Io): Promise<string> {
  let text = arg
  if (arg === '-') text = await io.readStdin()
  else if (arg.startsWith('@')) {
    try {
      text = readFileSync(arg.slice(1), 'utf8')
    } catch {
      throw new CliError(`cannot read ${arg.slice(1)}`)
    }
  }
  text = text.trim()
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) throw new UsageError('expected a JWT (or @file, or - for stdin)')
  return text
}

/** A credential CSV file, read as `parseCredentialCsv` reads it; a file it cannot read as a whole is a one-line error. */
export function readCsv<R extends RoleName>(file: string, role: R): ParsedCredentialCsv<R> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new CliError(`cannot read ${file}`)
  }
  try {
    return parseCredentialCsv(text, role)
  } catch (err) {
    if (err instanceof SyntaxError) throw new CliError(`${file} is not a valid CSV: ${err.message}`)
    throw err
  }
}
