import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { Ed25519KeyPair } from '../../method/keys.js'
import type { CommandContext } from '../context.js'
import { CliError, UsageError } from '../errors.js'
import { parseEd25519PrivateKey, parseEvmPrivateKey } from '../key-import.js'
import { writeAccountKeystore, writeKeystore } from '../keystore.js'
import { keysDir, registerKeyList } from './key-list.js'

/** `grid-did key …`: generate, import and list Ed25519 keys and EVM writer accounts in encrypted keystores. */
export function registerKeyCommands(program: Command, ctx: CommandContext): void {
  const { io, globals, passphrase, print } = ctx
  const key = program.command('key').description('encrypted keystores: Ed25519 keys and EVM writer accounts')
  /** `--out FILE`, or `--name NAME` in the home's keys/ directory (made, mode 0700). */
  const target = (o: { out?: string; name?: string }): { file: string; name?: string } => {
    if ((o.out === undefined) === (o.name === undefined)) throw new UsageError('give one of --out FILE or --name NAME')
    if (o.out !== undefined) return { file: o.out }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(o.name!))
      throw new UsageError(`--name must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, got "${o.name}"`)
    const dir = keysDir(globals().home)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    return { file: join(dir, `${o.name}.key`), name: o.name! }
  }
  const type = (value: string) => {
    if (value !== 'ed25519' && value !== 'evm') throw new UsageError(`--type must be ed25519 or evm, got "${value}"`)
    return value
  }
  key
    .command('generate')
    .description('a new key in an encrypted keystore file; prints its public key (or account address)')
    .option('--out <file>', 'keystore file to write')
    .option('--name <name>', "instead of --out: keep it as NAME.key in the home's keys/ directory (see `key list`)")
    .option('--type <type>', 'ed25519 (DIDs, credentials) | evm (an account that anchors on a chain ledger)', 'ed25519')
    .option('--force', 'overwrite an existing file')
    .action(async (o: { out?: string; name?: string; type: string; force?: boolean }) => {
      const kind = type(o.type)
      const { file } = target(o)
      const pass = await passphrase()
      if (kind === 'evm') {
        const { generatePrivateKey, privateKeyToAccount } = await import('../../ledger/peers/viem.js')
        const secret = generatePrivateKey()
        const { address } = privateKeyToAccount(secret)
        writeAccountKeystore(file, Buffer.from(secret.slice(2), 'hex'), address, pass, o.force)
        io.stdout(globals().json ? `${JSON.stringify({ file, address })}\n` : `${address}\n`)
        return
      }
      const pair = Ed25519KeyPair.generate()
      writeKeystore(file, pair, pass, o.force)
      io.stdout(
        globals().json ? `${JSON.stringify({ file, publicKeyMultibase: pair.publicKeyMultibase })}\n` : `${pair.publicKeyMultibase}\n`,
      )
    })
  key
    .command('import')
    .description(
      'an existing private key into a new encrypted keystore; prints its public key (or account address). Ed25519: 64 hex digits, 128 hex digits (seed and public key), PKCS #8 PEM or JWK; evm: 64 hex digits',
    )
    .requiredOption(
      '--from <file>',
      'the file holding the private key, - for stdin (never an argument: it would show in ps and shell history)',
    )
    .option('--out <file>', 'keystore file to write')
    .option('--name <name>', "instead of --out: keep it as NAME.key in the home's keys/ directory")
    .option('--type <type>', 'ed25519 | evm', 'ed25519')
    .option('--force', 'overwrite an existing keystore')
    .action(async (o: { from: string; out?: string; name?: string; type: string; force?: boolean }) => {
      const kind = type(o.type)
      const { file } = target(o)
      if (
        o.from === '-' &&
        globals().passphraseFile === undefined &&
        !process.env.GRID_DID_PASSPHRASE_FILE &&
        !process.env.GRID_DID_PASSPHRASE
      )
        throw new UsageError('--from - reads the key from stdin, so the passphrase must come from --passphrase-file or the environment')
      const source = o.from === '-' ? 'stdin' : o.from
      const text = o.from === '-' ? await io.readStdin() : readKeyFile(o.from)
      if (kind === 'evm') {
        const secret = parseEvmPrivateKey(text, source)
        try {
          const { privateKeyToAccount } = await import('../../ledger/peers/viem.js')
          let address: string
          try {
            address = privateKeyToAccount(`0x${Buffer.from(secret).toString('hex')}`).address
          } catch {
            throw new CliError(`${source}: not a valid secp256k1 private key (outside the curve's order)`)
          }
          writeAccountKeystore(file, secret, address, await passphrase(), o.force)
          print({ file, address }, address)
        } finally {
          secret.fill(0)
        }
        return
      }
      const pair = parseEd25519PrivateKey(text, source)
      writeKeystore(file, pair, await passphrase(), o.force)
      print({ file, publicKeyMultibase: pair.publicKeyMultibase }, pair.publicKeyMultibase)
    })
  registerKeyList(key, ctx)
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError(`cannot read --from ${path}: ${code === 'ENOENT' ? 'no such file' : String(code ?? err)}`)
  }
}
