import { Command, CommanderError, Option } from 'commander'
import { VERSION } from '../lib/version.js'
import { registerCommands } from './commands/index.js'
import { nodeIo, type Io } from './io.js'
import { reportError, wantsJson } from './report.js'

export type { Io } from './io.js'

/**
 * Runs the CLI; resolves to the exit code: 0 success (or allowed), 1 failure (or denied), 2 usage
 * error. Expected errors print one line without a stack on stderr (with `--json`, one JSON object
 * `{"error":{"code","message"}}`: see {@link reportError}); private keys are never printed; control
 * and bidi characters in a message (it may echo input: a CSV cell, an argument) are escaped.
 */
export async function main(argv: readonly string[], io: Io = nodeIo): Promise<number> {
  let exitCode = 0
  const program = createProgram(io, (code) => (exitCode = code))
  try {
    await program.parseAsync(['node', 'grid-did', ...argv])
    return exitCode
  } catch (err) {
    if (err instanceof CommanderError && ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) return 0
    return reportError(err, io, program.opts<{ json?: boolean }>().json === true || wantsJson(argv))
  }
}

/** The `grid-did` program: its global options and every command; `setExit` records a non-error exit code. */
export function createProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('grid-did')
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
    .addOption(
      new Option(
        '--passphrase-file <file>',
        'read the keystore passphrase from the first line of FILE (default $GRID_DID_PASSPHRASE_FILE, then $GRID_DID_PASSPHRASE, then a prompt)',
      ),
    )
    .option('--json', 'machine-readable output; errors too, as {"error":{"code","message"}} on stderr')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t), outputError: () => undefined })
  registerCommands(program, io, setExit)
  return program
}
