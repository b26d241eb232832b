import type { Command } from 'commander'
import { accountFromKeystore } from '../account.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import { collect, gateAddress, numberOption, portOption } from '../options.js'
import { printable } from '../printable.js'
import { untilSignal } from '../until-signal.js'

const FOLLOWS = '`attest serve` follows a chain: pass --ledger evm:<rpc-url>#<registry> (or set $GRID_DID_LEDGER)'

/** `grid-did attest serve`: a consortium member's attestor, signing role decisions for the gate. */
export function registerAttestCommands(program: Command, ctx: CommandContext): void {
  const { io, print } = ctx
  /** The attestor's EVM account from its keystore, checked against the address the file shows. */
  const account = (file: string) => accountFromKeystore(file, ctx.passphrase)

  const attest = program.command('attest').description("a consortium member's attestor: role decisions signed for the gate")
  attest
    .command('serve')
    .description("answer POST /1.0/attestations from this home's index of the chain (--ledger evm:…), signing allowed decisions with --key")
    .requiredOption('--gate <address>', 'the GridRoleGate contract')
    .requiredOption('--key <file>', "the attestor's EVM account keystore (its address is registered in the gate)")
    .requiredOption('--trust-registry <url>', "the did:grid URL of the utility's trust registry")
    .option(
      '--network <name>',
      "a network whose DIDs live on the chain (repeatable; default: the trust registry's)",
      collect,
      [] as string[],
    )
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '8090')
    .option('--sync-interval <ms>', 'how often the index follows the chain', '1000')
    .option('--max-ttl <seconds>', "an attestation's longest life past its block's time", '600')
    .action(
      async (o: {
        gate: string
        key: string
        trustRegistry: string
        network: string[]
        host: string
        port: string
        syncInterval: string
        maxTtl: string
      }) => {
        const port = portOption(o.port)
        const interval = numberOption(o.syncInterval, '--sync-interval', { min: 10, integer: true })
        const maxTtlSeconds = numberOption(o.maxTtl, '--max-ttl', { min: 1, integer: true })
        const gateAt = gateAddress(o.gate)
        if (!o.trustRegistry.startsWith('did:grid:'))
          throw new UsageError(`--trust-registry must be a did:grid URL, got "${printable(o.trustRegistry)}"`)
        const ledger = ctx.globals().ledger ?? process.env.GRID_DID_LEDGER
        if (!ledger || ledger === 'embedded') throw new UsageError(FOLLOWS)
        const signer = await account(o.key)
        const [{ createAttestor }, { createAttestorHandler }, { serve }] = await Promise.all([
          import('../../gate/attestor.js'),
          import('../../server/attestor-handler.js'),
          import('../../server/node.js'),
        ])
        const home = await ctx.openHome({
          create: false,
          onSyncError: (err) => io.stderr(`sync failed: ${printable(err instanceof Error ? err.message : String(err))}\n`),
        })
        let running: Awaited<ReturnType<typeof serve>> | undefined
        try {
          const index = home.ledger as import('../../ledger/chain-index.js').ChainIndex
          if (!(index.chain && typeof index.start === 'function')) throw new UsageError(FOLLOWS)
          const { chainId } = await index.chain.info()
          const attestor = createAttestor({
            index,
            account: signer,
            gate: gateAt,
            chainId,
            trustRegistry: o.trustRegistry,
            maxTtlSeconds,
            ...(o.network.length ? { networks: o.network } : {}),
          })
          index.start(interval)
          running = await serve(createAttestorHandler({ attestor }), { host: o.host, port, log: (l) => io.stderr(`${printable(l)}\n`) })
          print(
            { url: running.url, attestor: attestor.address, chainId, gate: attestor.gate },
            `attestor ${attestor.address} listening on ${running.url} (chain ${chainId}, gate ${attestor.gate})`,
          )
        } catch (err) {
          await running?.close()
          await home.close()
          throw err
        }
        await untilSignal(
          () => running!.close(),
          () => home.close(),
        )
      },
    )
}
