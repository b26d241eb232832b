import type { Command } from 'commander'
import { Ed25519KeyPair } from '../../method/keys.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import { writeAccountKeystore, writeKeystore } from '../keystore.js'

/** `grid-did key generate`: Ed25519 keys and EVM writer accounts in encrypted keystores. */
export function registerKeyCommands(program: Command, { io, globals, passphrase }: CommandContext): void {
  const key = program.command('key').description('encrypted keystores: Ed25519 keys and EVM writer accounts')
  key
    .command('generate')
    .description('a new key in an encrypted keystore file; prints its public key (or account address)')
    .requiredOption('--out <file>', 'keystore file to write')
    .option('--type <type>', 'ed25519 (DIDs, credentials) | evm (an account that anchors on a chain ledger)', 'ed25519')
    .option('--force', 'overwrite an existing file')
    .action(async (o: { out: string; type: string; force?: boolean }) => {
      if (o.type !== 'ed25519' && o.type !== 'evm') throw new UsageError(`--type must be ed25519 or evm, got "${o.type}"`)
      const pass = await passphrase()
      if (o.type === 'evm') {
        const { generatePrivateKey, privateKeyToAccount } = await import('../../ledger/peers/viem.js')
        const secret = generatePrivateKey()
        const { address } = privateKeyToAccount(secret)
        writeAccountKeystore(o.out, Buffer.from(secret.slice(2), 'hex'), address, pass, o.force)
        io.stdout(globals().json ? `${JSON.stringify({ file: o.out, address })}\n` : `${address}\n`)
        return
      }
      const pair = Ed25519KeyPair.generate()
      writeKeystore(o.out, pair, pass, o.force)
      io.stdout(
        globals().json
          ? `${JSON.stringify({ file: o.out, publicKeyMultibase: pair.publicKeyMultibase })}\n`
          : `${pair.publicKeyMultibase}\n`,
      )
    })
}
