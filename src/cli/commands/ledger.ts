import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { RegistryArtifact } from '../../ledger/evm.js'
import { accountFromKeystore, addressArg } from '../account.js'
import type { CommandContext } from '../context.js'
import { CliError, UsageError } from '../errors.js'
import { Home, readConfig } from '../home.js'
import { parseLedgerSpec } from '../ledger.js'
import { collect } from '../options.js'

/** `grid-did ledger …`: deploy the registry, show the ledger in use, govern its writers. */
export function registerLedgerCommands(program: Command, ctx: CommandContext): void {
  const { print } = ctx
  /** An admin or deployer account from an EVM account keystore. */
  const account = (file: string) => accountFromKeystore(file, ctx.passphrase)

  const ledger = program.command('ledger').description('the consortium chain ledger: deploy the registry, govern its writers')
  ledger
    .command('deploy')
    .description('deploy the did:grid registry contract; the --key account becomes its admin')
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of a chain node')
    .requiredOption('--key <file>', 'EVM account keystore of the deployer (the admin)')
    .option('--writer <address|keystore>', 'an account allowed to anchor (repeatable; default the deployer)', collect, [] as string[])
    .option('--artifact <file>', 'a compiled registry from `npm run registry:compile -- --out FILE` (default: the bundled paris build)')
    .option('--name <name>', 'remember the ledger under this name in config.json, for --ledger NAME')
    .action(async (o: { rpc: string; key: string; writer: string[]; artifact?: string; name?: string }) => {
      const { deployRegistry } = await import('../../ledger/evm.js')
      const artifact = o.artifact ? readArtifact(o.artifact) : undefined
      const writers = await Promise.all(o.writer.map((w) => addressArg(w, ctx.passphrase)))
      const deployed = await deployRegistry({
        rpc: o.rpc,
        account: await account(o.key),
        ...(writers.length ? { writers } : {}),
        ...(artifact ? { artifact } : {}),
      })
      const spec = `evm:${o.rpc}#${deployed.address}`
      if (o.name) {
        const home = await ctx.openHome({ create: true })
        try {
          home.setConfig({ ledgers: { ...home.config.ledgers, [o.name]: spec } })
        } finally {
          await home.close()
        }
      }
      print({ ...deployed, ledger: spec }, `registry ${deployed.address} (block ${deployed.blockNumber})\n--ledger ${spec}`)
    })

  ledger
    .command('info')
    .description('the ledger in use: chain, registry, admin, writer standing, heights')
    .action(async () => {
      const home = await ctx.openHome({ create: false })
      try {
        const head = await home.ledger.head()
        const chain = (home.ledger as { chain?: import('../../ledger/evm.js').EvmLedger }).chain
        if (!chain) return print({ ledger: 'embedded', dir: home.dir, head }, `embedded ledger in ${home.dir}, height ${head.height}`)
        const info = await chain.info()
        const chainHead = await chain.head()
        print(
          { ledger: 'evm', ...info, head: chainHead, indexed: head },
          [
            `chain ${info.chainId}, registry ${info.registry} (deployed at block ${info.deployedAt})`,
            `admin ${info.admin}`,
            info.writer
              ? `writer ${info.writer.address} ${info.writer.allowed ? 'is allow-listed' : 'is NOT allow-listed'}`
              : 'no writer key (read-only)',
            `chain head ${chainHead.height}, final ${chainHead.finalizedHeight}; indexed up to ${head.height}`,
          ].join('\n'),
        )
      } finally {
        await home.close()
      }
    })

  const writer = ledger.command('writer').description("the registry's writer allow-list (changed by its admin only)")
  writer
    .command('list')
    .description(
      "the accounts allowed to anchor on the chain ledger's registry now (from its WriterAdded/WriterRemoved events, each confirmed)",
    )
    .action(async () => {
      const spec = parseLedgerSpec(ctx.globals().ledger ?? process.env.GRID_DID_LEDGER, namedLedgers(ctx))
      if (spec.kind !== 'evm')
        throw new UsageError(
          'the embedded ledger has no writer list: whoever can write the home directory anchors on it; `ledger writer list` reads a chain ledger (--ledger evm:<rpc-url>#<registry>)',
        )
      const [{ EvmLedger, REGISTRY_ARTIFACT }, { listWriters }] = await Promise.all([
        import('../../ledger/evm.js'),
        import('../writers.js'),
      ])
      const chain = new EvmLedger({ rpc: spec.rpc, registry: spec.registry })
      try {
        const info = await chain.info()
        const writers = await listWriters(spec.rpc, chain.registry, info.deployedAt, REGISTRY_ARTIFACT.abi, (a) => chain.isWriter(a))
        print(
          { registry: chain.registry, admin: info.admin, writers },
          writers.length > 0
            ? writers.map((w) => `${w.address}  added at block ${w.addedAt} by ${w.addedBy}`).join('\n')
            : `no account may anchor on ${chain.registry}`,
        )
      } finally {
        await chain.close()
      }
    })
  for (const [name, verb] of [
    ['add', 'allow'],
    ['remove', 'stop'],
  ] as const) {
    writer
      .command(`${name} <account>`)
      .description(`${verb} an account (address or keystore) to anchor operations`)
      .requiredOption('--key <file>', "the registry admin's EVM account keystore")
      .action(async (target: string, o: { key: string }) => {
        const spec = parseLedgerSpec(ctx.globals().ledger ?? process.env.GRID_DID_LEDGER, namedLedgers(ctx))
        if (spec.kind !== 'evm') throw new UsageError('`ledger writer` needs a chain ledger: pass --ledger evm:<rpc-url>#<registry>')
        const { EvmLedger } = await import('../../ledger/evm.js')
        const address = await addressArg(target, ctx.passphrase)
        const chain = new EvmLedger({ rpc: spec.rpc, registry: spec.registry, account: await account(o.key) })
        try {
          await (name === 'add' ? chain.addWriter(address) : chain.removeWriter(address))
          const allowed = await chain.isWriter(address)
          print({ address, allowed }, `${address} ${allowed ? 'may' : 'may not'} anchor on ${chain.registry}`)
        } finally {
          await chain.close()
        }
      })
  }
}

function readArtifact(file: string): RegistryArtifact {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RegistryArtifact
  } catch (err) {
    throw new CliError(`cannot read ${file} as a registry artifact: ${(err as Error).message}`)
  }
}

function namedLedgers(ctx: CommandContext): Record<string, string> {
  return readConfig(resolve(Home.defaultDir(ctx.globals().home))).ledgers ?? {}
}
