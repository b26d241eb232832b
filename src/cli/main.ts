import { Command, CommanderError, Option } from 'commander'
import { GridError } from '../errors.js'
import { messageOf } from '../lib/message.js'
import { VERSION } from '../lib/version.js'
import { CliError, UsageError } from './errors.js'
import { registerCommands } from './commands/index.js'
import { nodeIo, type Io } from './io.js'
import { printable } from './printable.js'

export type { Io } from './io.js'

/**
 * Runs the CLI; resolves to the exit code: 0 success (or allowed), 1 failure (or denied), 2 usage
 * error. Expected errors print one line without a stack; private keys are never printed; control and
 * bidi characters in a message (it may echo input: a CSV cell, an argument) are escaped.
 */
export async function main(argv: readonly string[], io: Io = nodeIo): Promise<number> {
  const program = new Command('grid-did')
  let exitCode = 0
  program
    .description('did:grid — DIDs, role credentials and the resolver endpoint for electricity utilities')
    .version(VERSION, '-V, --version', 'print the version of grid-did')
    .addOption(new Option('--home <dir>', 'store directory (default $GRID_DID_HOME or ./.grid-did)'))
    .addOption(
      new Option(
        '--ledger <spec>',
        'embedded | evm:<rpc-url>#<registry> | a name in config.json "ledgers" (default $GRID_DID_LEDGER or embedded)',
      ),
    )
    .addOption(new Option('--writer-key <file>', 'EVM account keystore that signs anchoring transactions (default $GRID_DID_WRITER_KEY)'))
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t), outputError: () => undefined })
  registerCommands(program, io, (code) => (exitCode = code))
  try {
    await program.parseAsync(['node', 'grid-did', ...argv])
    return exitCode
  } catch (err) {
    return report(err, io)
  }
}

function report(err: unknown, io: Io): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
    io.stderr(`grid-did: ${printable(err.message.replace(/^error: /, ''))}\n`)
    return 2
  }
  if (err instanceof UsageError) {
    io.stderr(`grid-did: ${printable(err.message)}\n`)
    return 2
  }
  if (err instanceof GridError || err instanceof CliError) {
    io.stderr(`grid-did: ${printable(err.message)}${err.code && !(err instanceof CliError) ? ` (${err.code})` : ''}\n`)
    return 1
  }
  if (err instanceof TypeError || err instanceof RangeError) {
    io.stderr(`grid-did: ${printable(err.message)}\n`)
    return 2
  }
  // Unexpected: still one line, and never key material (errors never carry it).
  io.stderr(`grid-did: unexpected error: ${printable(messageOf(err))}\n`)
  return 1
}
