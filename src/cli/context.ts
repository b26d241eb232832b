import type { Command } from 'commander'
import { Home, type HomeOptions } from './home.js'
import type { Io } from './io.js'
import { printableLines } from './printable.js'
import { readPassphrase } from './prompt.js'

/** The options every command takes (`--home`, `--json`, `--ledger`, `--writer-key`, `--passphrase-file`). */
export type Globals = { home?: string; json?: boolean; ledger?: string; writerKey?: string; passphraseFile?: string }

/** A command body run with the home open: its result as JSON (`--json`) and as text. */
export type CommandBody<A extends unknown[]> = (home: Home, ...args: A) => Promise<{ json: unknown; text: string }>

/** What every command group shares while one command runs. */
export interface CommandContext {
  io: Io
  globals: () => Globals
  /** The passphrase, asked once per command however many keystores it unlocks. */
  passphrase: () => Promise<string>
  /**
   * Opens the home; `create` only for a command that writes to it (see HomeOptions.create), which
   * also takes the home's writer lock before anything in the home is made or opened.
   */
  openHome: (options: Pick<HomeOptions, 'create' | 'onSyncError' | 'checkpoints' | 'networks' | 'maxLag' | 'ledger'>) => Promise<Home>
  /** Prints a result: indented JSON with `--json`, else the text. */
  print: (json: unknown, text: string) => void
  /** A command that only reads: a missing home is an error, never an empty one. */
  read: <A extends unknown[]>(body: CommandBody<A>) => (...args: A) => Promise<void>
  /** A command that writes the home (anchors, issues, records): made if missing, one at a time per home. */
  write: <A extends unknown[]>(body: CommandBody<A>) => (...args: A) => Promise<void>
  /** Records a non-error exit code (denied = 1). */
  setExit: (code: number) => void
}

/** The context of the commands registered on `program`. */
export function createContext(program: Command, io: Io, setExit: (code: number) => void): CommandContext {
  const globals = () => program.opts<Globals>()
  // Asked once per command, however many keystores it unlocks.
  let asked: Promise<string> | undefined
  const passphrase = () => (asked ??= readPassphrase(io, process.stdin, process.env, globals().passphraseFile))
  const openHome: CommandContext['openHome'] = (options) => {
    const g = globals()
    return Home.open(Home.defaultDir(g.home), {
      ...(g.ledger ? { ledger: g.ledger } : {}),
      ...(g.writerKey ? { writerKey: g.writerKey } : {}),
      passphrase,
      onLockWait: () => io.interactive && io.stderr(`waiting for another command writing to ${Home.defaultDir(g.home)}…\n`),
      ...options,
    })
  }
  /**
   * Runs a command body with the home open and prints its result. A command that `writes` makes the
   * home if it is missing and holds its writer lock from before it opens the home until it closes
   * it; one that only reads never makes or changes anything in the home.
   */
  const command =
    (writes: boolean) =>
    <A extends unknown[]>(body: CommandBody<A>) =>
    async (...args: A) => {
      const home = await openHome({ create: writes })
      try {
        const { json, text } = await body(home, ...args)
        io.stdout(globals().json ? `${JSON.stringify(json, null, 2)}\n` : `${printableLines(text)}\n`)
      } finally {
        await home.close()
      }
    }
  // Text names what files and other parties said (labels, keys): control characters never reach the terminal raw.
  const print = (json: unknown, text: string) =>
    io.stdout(globals().json ? `${JSON.stringify(json, null, 2)}\n` : `${printableLines(text)}\n`)
  return { io, globals, passphrase, openHome, print, read: command(false), write: command(true), setExit }
}
